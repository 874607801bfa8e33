"""Mistake: grad_norms returns the sum of squares of each gradient, without the square root.

That is the squared L2 norm: it vanishes and explodes twice as fast in log scale, so the
thresholds mean something else.
"""

CAUGHT_BY = "squared norm"
REJECTED_BY = "test_grad_norms_are_each_parameters_own_norm"


def grad_norms(model):
    return {n: float((p.grad**2).sum()) for n, p in model.named_parameters() if p.grad is not None}
