"""Mistake: treating pooling's stride=None like a convolution's default of 1.

nn.MaxPool2d(2) halves the input: its stride defaults to the kernel size.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "stride defaults to kernel_size"
REJECTED_BY = "test_pool_output_size_agrees_with_maxpool1d"


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    stride = 1 if stride is None else stride
    return solution_for(__file__).pool_output_size(
        size, kernel_size, stride, padding, dilation, ceil_mode
    )
