"""Mistake: view_or_copy() calls .contiguous() before every view.

That is always correct in values, but copies non-contiguous tensors that view could
serve directly (a transposed matrix as its own shape), and reports is_contiguous().
"""

CAUGHT_BY = "copied although a view was possible"
REJECTED_BY = "test_view_or_copy_views_when_possible_and_copies_otherwise"


def view_or_copy(t, shape):
    return t.contiguous().view(shape), t.is_contiguous()
