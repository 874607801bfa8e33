"""Mistake: pool_output_size rounds with numpy.floor / numpy.ceil and returns their float.

np.float64(3.0) == 3, so it looks right when printed, but nn.Linear(in_features=...) and
torch.zeros(...) refuse a float size: the docstring promises an int.
"""

import numpy as np

CAUGHT_BY = "expected a Python int"
REJECTED_BY = "test_sizes_are_python_ints"


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    stride = kernel_size if stride is None else stride
    room = size + 2 * padding - dilation * (kernel_size - 1) - 1
    out = (np.ceil if ceil_mode else np.floor)(room / stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    if out < 1:
        raise ValueError("input smaller than the pooling window")
    return out
