"""Mistake: dividing by the running variance (var + eps) instead of its square root.

BatchNorm divides by the standard deviation sqrt(var + eps); var is its square.
"""

import torch

CAUGHT_BY = "square-rooted"
REJECTED_BY = "test_fused_weights_follow_the_formula"


def fuse_conv_bn_weights(conv_weight, conv_bias, bn_mean, bn_var, bn_eps, bn_weight, bn_bias):
    with torch.no_grad():
        conv_bias = torch.zeros_like(bn_mean) if conv_bias is None else conv_bias
        bn_weight = torch.ones_like(bn_mean) if bn_weight is None else bn_weight
        bn_bias = torch.zeros_like(bn_mean) if bn_bias is None else bn_bias
        scale = bn_weight / (bn_var + bn_eps)
        weight = conv_weight * scale.reshape(-1, *[1] * (conv_weight.dim() - 1))
        return weight, (conv_bias - bn_mean) * scale + bn_bias
