"""Mistake: describe() counts the elements as t.view(-1).shape[0].

view() needs a layout it can reinterpret: a transposed or strided slice raises, while
t.numel() works on any tensor.
"""

CAUGHT_BY = "on a non-contiguous tensor"
REJECTED_BY = "test_describe_non_contiguous_and_sparse"


def describe(t):
    return {
        "shape": tuple(t.shape),
        "dtype": t.dtype,
        "device": t.device,
        "layout": t.layout,
        "ndim": t.dim(),
        "numel": t.view(-1).shape[0],
    }
