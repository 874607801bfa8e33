"""Mistake: adding bias (C_out,) to the (N, C_out, H_out, W_out) output as it is.

Broadcasting lines bias up with the LAST axis (width): an error, or, when W_out == C_out,
each column gets a channel's bias.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the bias must broadcast over channels"
REJECTED_BY = "test_forward_equals_f_conv2d"
solution = solution_for(__file__)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    out = solution.conv2d(x, weight, None, stride, padding, dilation)
    return out + bias if bias is not None else out
