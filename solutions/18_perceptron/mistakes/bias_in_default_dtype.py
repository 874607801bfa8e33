"""Mistake: the bias started as torch.tensor(0.0), float32 whatever X's dtype is.

A 0-d float32 bias does not upcast w @ x, and b + y stays float32: for float64 data b
comes back in the wrong dtype (and on the CPU whatever X's device is).
"""

import torch

CAUGHT_BY = "expected dtype"
REJECTED_BY = "test_training_equals_reference_loop_and_converges"


def train_perceptron(X, y, max_epochs=100):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.tensor(0.0)
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
