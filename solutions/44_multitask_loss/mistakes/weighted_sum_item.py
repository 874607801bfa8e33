"""Mistake: the total built from loss.item() values.

A Python float has no graph: backward() cannot be called, and the model never learns.
"""

CAUGHT_BY = "cut the graph"
REJECTED_BY = "test_weighted_sum_equals_the_formula_and_its_gradients_are_the_weights"


def weighted_sum(losses, weights):
    if len(losses) == 0 or len(weights) != len(losses) or any(w < 0 for w in weights):
        raise ValueError("bad losses or weights")
    if any(loss.dim() != 0 for loss in losses):
        raise ValueError("each loss must be 0-d")
    return sum(w * loss.item() for w, loss in zip(weights, losses, strict=True))
