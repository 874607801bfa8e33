"""Mistake: describe() reports str(t.device) and str(t.dtype) instead of the objects.

"cpu" is not a torch.device (torch.device("cpu") != "cpu"), so code that compares or
passes the reported device on gets a string it cannot use as one.
"""

CAUGHT_BY = "str() of the attribute"
REJECTED_BY = "test_describe_reports_attributes_exactly"


def describe(t):
    return {
        "shape": tuple(t.shape),
        "dtype": str(t.dtype),
        "device": str(t.device),
        "layout": t.layout,
        "ndim": t.dim(),
        "numel": t.numel(),
    }
