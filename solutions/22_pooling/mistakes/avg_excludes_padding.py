"""Mistake: averaging each window over its real pixels only (count_include_pad=False).

F.avg_pool2d's default divides by kH * kW, the padding's zeros included.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "count_include_pad"
REJECTED_BY = "test_avg_pool_equals_torch"
solution = solution_for(__file__)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    sums = solution.sum_pool2d(x, kernel_size, stride, padding)
    ones = torch.ones_like(x[:1, :1])
    counts = solution.sum_pool2d(ones, kernel_size, stride, padding)
    return sums / counts
