"""Mistake: softmax_rows() dodges the in-place error by dividing through .data, e.data /= ....

Autograd no longer sees the division: backward treats the result as plain exp(x), so the
values are right and the gradient is silently wrong.
"""

CAUGHT_BY = "detached from the graph"
REJECTED_BY = "test_softmax_rows_backward_works_and_matches_torch"


def softmax_rows(x):
    e = (x - x.amax(dim=-1, keepdim=True).detach()).exp()
    e.data /= e.data.sum(dim=-1, keepdim=True)
    return e
