"""Mistake: conv2d that hands the work to F.conv2d.

The numbers are right, but the kata (and the interviewer) asks for the convolution itself.
"""

import torch.nn.functional as F

CAUGHT_BY = "which this kata asks you to write yourself"
REJECTED_BY = "test_forward_equals_f_conv2d"


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
