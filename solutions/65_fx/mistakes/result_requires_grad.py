"""Mistake: the formula computed with autograd on (no torch.no_grad(), no detach).

The fused tensors carry the history of the conv and BN parameters: they require grad and
keep the old parameters alive in their graph.
"""

import torch

CAUGHT_BY = "requires grad"
REJECTED_BY = "test_matches_torch_and_leaves_parameters_alone"


def fuse_conv_bn_weights(conv_weight, conv_bias, bn_mean, bn_var, bn_eps, bn_weight, bn_bias):
    conv_bias = torch.zeros_like(bn_mean) if conv_bias is None else conv_bias
    bn_weight = torch.ones_like(bn_mean) if bn_weight is None else bn_weight
    bn_bias = torch.zeros_like(bn_mean) if bn_bias is None else bn_bias
    scale = bn_weight * torch.rsqrt(bn_var + bn_eps)
    weight = conv_weight * scale.reshape(-1, *[1] * (conv_weight.dim() - 1))
    return weight, (conv_bias - bn_mean) * scale + bn_bias
