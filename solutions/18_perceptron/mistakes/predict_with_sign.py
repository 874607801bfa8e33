"""Mistake: predict as torch.sign(X @ w + b).

sign gives 0 for a point exactly on the boundary, which is not a label.
"""

import torch

CAUGHT_BY = "torch.sign"
REJECTED_BY = "test_predict_signs_of_the_scores"


def predict(w, b, X):
    return torch.sign(X @ w + b)
