"""Mistake: describe() reports the shape as list(t.shape).

The docstring asks for a tuple of Python ints; a list is not hashable, and compares unequal
to the tuple () or (2, 3) that callers check against.
"""

CAUGHT_BY = "list(t.shape), a list"
REJECTED_BY = "test_describe_reports_attributes_exactly"


def describe(t):
    return {
        "shape": list(t.shape),
        "dtype": t.dtype,
        "device": t.device,
        "layout": t.layout,
        "ndim": t.dim(),
        "numel": t.numel(),
    }
