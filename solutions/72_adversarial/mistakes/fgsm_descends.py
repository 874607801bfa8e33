"""Mistake: FGSM steps x - eps * sign(grad), the gradient-descent direction.

That lowers the loss: the "adversarial" examples are easier than the clean ones, and
robust accuracy looks excellent.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "gradient descent"
REJECTED_BY = "test_fgsm_is_one_signed_step_then_clamp"

solution = solution_for(__file__)


def fgsm(model, x, y, eps):
    solution._check(x, eps)
    with solution._attack_mode(model):
        grad = solution._input_gradient(model, x, y)
    return (x.detach() - eps * grad.sign()).clamp(0, 1)
