"""Mistake: calling torch.nn.utils.fusion.fuse_conv_bn_weights instead of writing the formula.

The values are right, but the kata asks for the formula itself.
"""

from torch.nn.utils.fusion import fuse_conv_bn_weights as _torch_fuse

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_fused_weights_follow_the_formula"


def fuse_conv_bn_weights(conv_weight, conv_bias, bn_mean, bn_var, bn_eps, bn_weight, bn_bias):
    return _torch_fuse(conv_weight, conv_bias, bn_mean, bn_var, bn_eps, bn_weight, bn_bias)
