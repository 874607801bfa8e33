"""Mistake: one update per epoch with the sum over all misclassified points.

That is the batch perceptron (gradient descent on the perceptron loss), not the online
rule: it takes other steps, and can need more epochs.
"""

import torch

CAUGHT_BY = "one example at a time"
REJECTED_BY = "test_training_equals_reference_loop_and_converges"


def train_perceptron(X, y, max_epochs=100):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    y = y.to(X.dtype)
    mistakes = []
    for _ in range(max_epochs):
        wrong = y * (X @ w + b) <= 0
        mistakes.append(int(wrong.sum()))
        if not wrong.any():
            break
        w = w + (y[wrong, None] * X[wrong]).sum(0)
        b = b + y[wrong].sum()
    return w, b, mistakes
