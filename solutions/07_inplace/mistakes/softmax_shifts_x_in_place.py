"""Mistake: softmax_rows() shifts the input in place, x -= x.amax(dim=-1, keepdim=True).

Saves one temporary, and the softmax is right, but x is the caller's tensor: it comes back
shifted (and an x that requires grad makes the in-place op raise).
"""

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_softmax_rows_of_unusual_inputs_leaves_x_unchanged"


def softmax_rows(x):
    x -= x.amax(dim=-1, keepdim=True).detach()
    e = x.exp()
    return e / e.sum(dim=-1, keepdim=True)
