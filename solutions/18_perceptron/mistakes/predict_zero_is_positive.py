"""Mistake: predict with scores >= 0, so a score of exactly 0 gives +1.

A point on the boundary is not on the positive side: the docstring (and the update's
margin <= 0 rule) count a score of 0 as -1.
"""

import torch

CAUGHT_BY = "a score of exactly 0 is -1"
REJECTED_BY = "test_predict_signs_of_the_scores"


def predict(w, b, X):
    return torch.where(X @ w + b >= 0, 1.0, -1.0).to(X.dtype)
