"""Mistake: view_or_copy() returns (t.reshape(shape), t.is_contiguous()).

reshape views whenever it can, so the tensor is right; but the flag answers "is t
contiguous", not "is the result a view": a transposed matrix reshaped to its own shape is a
view of a non-contiguous t, reported as a copy.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "reporting t.is_contiguous()"
REJECTED_BY = "test_view_or_copy_views_when_possible_and_copies_otherwise"


def view_or_copy(t, shape):
    solution.can_view(t, shape)  # ValueError for a wrong size, as promised
    return t.reshape(shape), t.is_contiguous()
