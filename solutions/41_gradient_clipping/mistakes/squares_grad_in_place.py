"""Mistake: grad_norms squares each gradient in place (p.grad.pow_(2)) to save memory.

The norm comes out right, but the caller's gradients are now their squares: the optimizer
step that follows the diagnosis uses them.
"""

CAUGHT_BY = "changed the caller's .grad"
REJECTED_BY = "test_grad_norms_leave_the_gradients_alone"


def grad_norms(model):
    return {
        n: float(p.grad.pow_(2).sum().sqrt())
        for n, p in model.named_parameters()
        if p.grad is not None
    }
