"""Mistake: ceil_mode as a plain ceiling of the division.

torch drops a last window that would start in the right padding, so the plain ceiling is
one too many in those cases.
"""

import math

CAUGHT_BY = "a last window starting in the right padding is dropped"
REJECTED_BY = "test_pool_output_size_agrees_with_maxpool1d"


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    stride = kernel_size if stride is None else stride
    room = size + 2 * padding - dilation * (kernel_size - 1) - 1
    out = (math.ceil(room / stride) if ceil_mode else room // stride) + 1
    if out < 1:
        raise ValueError("input smaller than the window")
    return out
