"""Mistake: model.eval() for the attack, and the mode never set back.

The training loop that called the attack now trains in eval mode: no dropout, batch norm
frozen on its running statistics, and nothing in the loss curve says so.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "mode was not restored"
REJECTED_BY = "test_fgsm_leaves_the_model_as_it_was"

solution = solution_for(__file__)


def fgsm(model, x, y, eps):
    solution._check(x, eps)
    model.eval()
    grad = solution._input_gradient(model, x, y)
    return (x.detach() + eps * grad.sign()).clamp(0, 1)
