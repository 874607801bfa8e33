"""Mistake: describe() reports "numel": t.numel, without the call parentheses.

That is the bound method, not the number of elements: the dict holds a function.
"""

CAUGHT_BY = "without the call parentheses"
REJECTED_BY = "test_describe_reports_attributes_exactly"


def describe(t):
    return {
        "shape": tuple(t.shape),
        "dtype": t.dtype,
        "device": t.device,
        "layout": t.layout,
        "ndim": t.dim(),
        "numel": t.numel,
    }
