"""Mistake: sum_pool2d written with stride=1 as its default, copied from a convolution.

Every pooling here defaults its stride to the kernel size, as the docstring says
("same arguments as avg_pool2d"); stride 1 gives overlapping windows and a larger output.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "stride defaults to kernel_size"
REJECTED_BY = "test_sum_pool_edge_sizes"
solution = solution_for(__file__)


def sum_pool2d(x, kernel_size, stride=1, padding=0):
    return solution.sum_pool2d(x, kernel_size, stride, padding)
