"""Mistake: FGSM without the clamp to [0, 1].

Pixels become negative or brighter than white: the attack uses inputs that cannot exist,
so it overstates how fragile the model is.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "forgetting to clamp to [0, 1]"
REJECTED_BY = "test_fgsm_is_one_signed_step_then_clamp"

solution = solution_for(__file__)


def fgsm(model, x, y, eps):
    solution._check(x, eps)
    with solution._attack_mode(model):
        grad = solution._input_gradient(model, x, y)
    return x.detach() + eps * grad.sign()
