"""Mistake: predict from X @ w alone, forgetting the bias.

Every boundary then passes through the origin: points the trained model puts on the
positive side by its bias get the wrong label.
"""

import torch

CAUGHT_BY = "the score is X @ w + b (b included)"
REJECTED_BY = "test_predict_signs_of_the_scores"


def predict(w, b, X):
    return torch.where(X @ w > 0, 1.0, -1.0).to(X.dtype)
