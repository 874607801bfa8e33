"""Mistake: torch.where(scores > 0, 1.0, -1.0) without casting to X's dtype.

Two Python floats make a tensor of the default dtype, float32: float64 inputs get float32
labels back (and a later comparison or loss mixes dtypes).
"""

import torch

CAUGHT_BY = "a new tensor made without dtype="
REJECTED_BY = "test_predict_signs_of_the_scores"


def predict(w, b, X):
    return torch.where(X @ w + b > 0, 1.0, -1.0)
