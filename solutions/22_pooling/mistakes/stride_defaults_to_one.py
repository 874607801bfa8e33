"""Mistake: stride=None taken as 1, as for a convolution.

Pooling layers default their stride to the kernel size: MaxPool2d(2) halves the input.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "stride defaults to kernel_size"
REJECTED_BY = "test_max_pool_equals_torch"
solution = solution_for(__file__)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    return solution.max_pool2d(x, kernel_size, 1 if stride is None else stride, padding, dilation)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return solution.avg_pool2d(x, kernel_size, 1 if stride is None else stride, padding)
