"""Mistake: max_pool2d that calls F.max_pool2d.

Right numbers, but the kata asks for the pooling itself.
"""

import torch.nn.functional as F

CAUGHT_BY = "which this kata asks you to write yourself"
REJECTED_BY = "test_max_pool_equals_torch"


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    return F.max_pool2d(x, kernel_size, stride, padding, dilation)
