"""Mistake: the input gradient taken with logit.backward() on a copy of x.

backward() also accumulates into every parameter's .grad: explaining a model in the
middle of training corrupts the next optimiser step.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the model's parameters get a gradient"
REJECTED_BY = "test_saliency_leaves_the_model_and_x_alone"

solution = solution_for(__file__)


def saliency(model, x, target, *, absolute=True):
    with solution._eval_mode(model):
        z = x.detach().clone().requires_grad_(True)
        logits = model(z)
        t = solution._targets(target, x.shape[0], logits.shape[1], logits.device)
        logits.gather(1, t[:, None]).sum().backward()
        grad = z.grad
    return grad.abs() if absolute else grad
