"""Mistake: sum pooling as avg_pool2d * kH ** 2, assuming a square kernel.

For a (kH, kW) kernel the area is kH * kW.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "not kH ** 2"
REJECTED_BY = "test_sum_pool_equals_avg_times_area"
solution = solution_for(__file__)


def sum_pool2d(x, kernel_size, stride=None, padding=0):
    kh = solution._pair(kernel_size)[0]
    return solution.avg_pool2d(x, kernel_size, stride, padding) * kh**2
