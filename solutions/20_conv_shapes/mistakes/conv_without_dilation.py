"""Mistake: the textbook (size + 2p - k) // s + 1, forgetting dilation.

A dilated kernel reaches dilation * (k - 1) + 1 inputs; ignoring that overestimates the
output for any dilation > 1.
"""

CAUGHT_BY = "the dilation stretches the kernel"
REJECTED_BY = "test_conv_output_size_agrees_with_conv1d"


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    out = (size + 2 * padding - kernel_size) // stride + 1
    if out < 1:
        raise ValueError("input smaller than the kernel")
    return out
