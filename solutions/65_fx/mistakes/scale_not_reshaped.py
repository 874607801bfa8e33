"""Mistake: W * s with s of shape (C_out,) used as it is.

Broadcasting lines s up with W's LAST dimension (the kernel width), not the output
channels: an error for most shapes, and silently wrong when C_out equals the width.
"""

import torch

CAUGHT_BY = "output channel W[c]"
REJECTED_BY = "test_fused_weights_follow_the_formula"


def fuse_conv_bn_weights(conv_weight, conv_bias, bn_mean, bn_var, bn_eps, bn_weight, bn_bias):
    with torch.no_grad():
        conv_bias = torch.zeros_like(bn_mean) if conv_bias is None else conv_bias
        bn_weight = torch.ones_like(bn_mean) if bn_weight is None else bn_weight
        bn_bias = torch.zeros_like(bn_mean) if bn_bias is None else bn_bias
        scale = bn_weight * torch.rsqrt(bn_var + bn_eps)
        return conv_weight * scale, (conv_bias - bn_mean) * scale + bn_bias
