"""Mistake: conv_output_size checks the input with `assert`, not `raise ValueError`.

The docstring promises ValueError; an AssertionError is a different type (and `python -O`
drops the check altogether), so a caller's `except ValueError` never sees it.
"""

CAUGHT_BY = "but got AssertionError"
REJECTED_BY = "test_conv_output_size_raises_value_error_when_the_kernel_does_not_fit"


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    assert size + 2 * padding >= span, "input smaller than the kernel"
    return (size + 2 * padding - span) // stride + 1
