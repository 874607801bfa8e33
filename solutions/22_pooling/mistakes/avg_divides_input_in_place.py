"""Mistake: average pooling as the sum of x.div_(kH * kW), scaling the input in place.

The numbers come out right, but the caller's x is divided too: the next layer (or a
residual connection holding x) sees the shrunken values.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's x in place"
REJECTED_BY = "test_avg_pool_equals_torch"
solution = solution_for(__file__)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw = solution._pair(kernel_size)
    return solution.sum_pool2d(x.div_(kh * kw), kernel_size, stride, padding)
