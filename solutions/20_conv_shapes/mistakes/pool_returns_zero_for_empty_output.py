"""Mistake: pool_output_size returns 0 (or less) instead of raising when nothing fits.

torch's pooling layers refuse an input whose output would be empty; the docstring asks for
ValueError there, not a size of 0 that a later Linear(0, ...) turns into a puzzle.
"""

import math

CAUGHT_BY = "but it returned 0"
REJECTED_BY = "test_pool_output_size_raises_value_error_when_the_output_is_empty"


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    stride = kernel_size if stride is None else stride
    room = size + 2 * padding - dilation * (kernel_size - 1) - 1
    out = (math.ceil(room / stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return max(out, 0)
