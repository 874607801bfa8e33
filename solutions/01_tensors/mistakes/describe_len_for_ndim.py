"""Mistake: describe() counts dimensions with len(t) and elements with len(t.flatten()).

len() of a tensor is the size of its first dimension; a 0-d tensor has no len() at all.
"""

CAUGHT_BY = "a 0-d tensor has no len()"
REJECTED_BY = "test_describe_reports_attributes_exactly"


def describe(t):
    return {
        "shape": tuple(t.shape),
        "dtype": t.dtype,
        "device": t.device,
        "layout": t.layout,
        "ndim": len(t),
        "numel": len(t.flatten()),
    }
