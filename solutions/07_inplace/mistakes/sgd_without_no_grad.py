"""Mistake: sgd_step_() updates with p.sub_(lr * p.grad) outside torch.no_grad().

Parameters are leaves that require grad, so the in-place update is refused.
"""

CAUGHT_BY = "outside torch.no_grad()"
REJECTED_BY = "test_sgd_step_updates_in_place_and_clears_grads"


def sgd_step_(params, lr):
    for p in params:
        if p.grad is None:
            continue
        p.sub_(lr * p.grad)
        p.grad = None
