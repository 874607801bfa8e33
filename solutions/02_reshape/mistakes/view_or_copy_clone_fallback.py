"""Mistake: view_or_copy() falls back to t.clone().view(shape) when no view is possible.

clone() preserves t's strides (a transposed t gives a transposed clone), so the view that
failed on t fails on the clone too; contiguous() copies into row-major order.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "clone() preserves t's strides"
REJECTED_BY = "test_view_or_copy_on_transposed_matrix_falls_back_to_copy"


def view_or_copy(t, shape):
    if solution.can_view(t, shape):
        return t.view(shape), True
    return t.clone().view(shape), False
