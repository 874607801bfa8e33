"""Mistake: FGSM adds the perturbation to the caller's x in place (x.data.add_).

The caller's clean batch silently becomes the adversarial one, so a later clean
evaluation (or a second attack) runs on already-attacked data.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's x in place"
REJECTED_BY = "test_fgsm_leaves_the_callers_x_alone"

solution = solution_for(__file__)


def fgsm(model, x, y, eps):
    solution._check(x, eps)
    with solution._attack_mode(model):
        grad = solution._input_gradient(model, x, y)
    x.data.add_(eps * grad.sign()).clamp_(0, 1)
    return x.detach().clone()
