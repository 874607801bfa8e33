"""Mistake: the fused bias computed as if the conv had no bias: (0 - mean) * s + beta.

The conv's own bias is added before the BatchNorm and is scaled by it: dropping it shifts
every output channel by b * s.
"""

import torch

CAUGHT_BY = "conv bias dropped"
REJECTED_BY = "test_fused_weights_follow_the_formula"


def fuse_conv_bn_weights(conv_weight, conv_bias, bn_mean, bn_var, bn_eps, bn_weight, bn_bias):
    with torch.no_grad():
        bn_weight = torch.ones_like(bn_mean) if bn_weight is None else bn_weight
        bn_bias = torch.zeros_like(bn_mean) if bn_bias is None else bn_bias
        scale = bn_weight * torch.rsqrt(bn_var + bn_eps)
        weight = conv_weight * scale.reshape(-1, *[1] * (conv_weight.dim() - 1))
        return weight, -bn_mean * scale + bn_bias
