"""Mistake: the bias started as torch.zeros(1), shape (1,), not a 0-d tensor.

The docstring returns b 0-d, like the b predict and perceptron_update take; a (1,) bias
broadcasts silently in X @ w + b but is the wrong shape for every caller that checks.
"""

import torch

CAUGHT_BY = "expected shape ()"
REJECTED_BY = "test_training_with_zero_epochs_returns_the_start"


def train_perceptron(X, y, max_epochs=100):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros(1, dtype=X.dtype, device=X.device)
    labels = [float(v) for v in y.tolist()]
    mistakes = []
    for _ in range(max_epochs):
        count = 0
        for x_i, y_i in zip(X, labels, strict=True):
            if y_i * (w @ x_i + b) <= 0:
                w, b = w + y_i * x_i, b + y_i
                count += 1
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes
