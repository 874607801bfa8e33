"""Mistake: count = 0 set once before the epoch loop, so the counts are running totals.

Each entry must be the updates made in that epoch; without the reset the list only grows,
and the "stop after an epoch with no update" test never fires.
"""

import torch

CAUGHT_BY = "not reset to 0"
REJECTED_BY = "test_training_equals_reference_loop_and_converges"


def train_perceptron(X, y, max_epochs=100):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    labels = [float(v) for v in y.tolist()]
    mistakes = []
    count = 0
    for _ in range(max_epochs):
        before = count
        for x_i, y_i in zip(X, labels, strict=True):
            if y_i * (w @ x_i + b) <= 0:
                w, b = w + y_i * x_i, b + y_i
                count += 1
        mistakes.append(count)
        if count == before:
            break
    return w, b, mistakes
