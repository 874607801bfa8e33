"""Mistake: the mode restored with model.train(was_training) from the top module's flag.

A submodule that was deliberately in eval mode (frozen batch norm while fine-tuning) is
switched to train mode by the attack.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "also resets a submodule"
REJECTED_BY = "test_fgsm_leaves_the_model_as_it_was"

solution = solution_for(__file__)


def fgsm(model, x, y, eps):
    solution._check(x, eps)
    was_training = model.training
    model.eval()
    try:
        grad = solution._input_gradient(model, x, y)
    finally:
        model.train(was_training)
    return (x.detach() + eps * grad.sign()).clamp(0, 1)
