"""Mistake: pool_output_size raises ValueError whenever the window is wider than the input.

With ceil_mode=True torch still fits one window that hangs over the end:
nn.MaxPool1d(3, ceil_mode=True) turns a length-1 input into length 1.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "ceil_mode=True"
REJECTED_BY = "test_pool_output_size_default_stride_and_ceil_mode"


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    if size + 2 * padding < dilation * (kernel_size - 1) + 1:
        raise ValueError("input smaller than the pooling window")
    return solution_for(__file__).pool_output_size(
        size, kernel_size, stride, padding, dilation, ceil_mode
    )
