"""Mistake: describe() counts the elements with np.prod(t.shape).

np.prod returns a NumPy scalar, not a Python int, and for a 0-d tensor's shape () it
returns the float 1.0.
"""

import numpy as np

CAUGHT_BY = "np.prod(t.shape)"
REJECTED_BY = "test_describe_reports_attributes_exactly"


def describe(t):
    return {
        "shape": tuple(t.shape),
        "dtype": t.dtype,
        "device": t.device,
        "layout": t.layout,
        "ndim": t.dim(),
        "numel": np.prod(t.shape),
    }
