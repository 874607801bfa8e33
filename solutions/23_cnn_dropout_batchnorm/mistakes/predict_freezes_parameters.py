"""Mistake: predict() avoids the graph with model.requires_grad_(False) instead of no_grad.

The parameters stay frozen afterwards, so the next training step trains nothing; and an
x that requires grad still builds a graph.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "changed requires_grad of"
REJECTED_BY = "test_predict_leaves_requires_grad_as_it_was"


def predict(model, x):
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    model.requires_grad_(False)
    try:
        return model(x)
    finally:
        for m, training in modes:
            m.training = training
