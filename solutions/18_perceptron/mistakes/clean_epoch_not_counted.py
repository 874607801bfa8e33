"""Mistake: breaking out of the loop before appending the clean epoch's count of 0.

The docstring's list holds the updates of every epoch run, the last clean one (0)
included; without it the caller cannot tell convergence from running out of epochs.
"""

import torch

CAUGHT_BY = "is not recorded"
REJECTED_BY = "test_training_equals_reference_loop_and_converges"


def train_perceptron(X, y, max_epochs=100):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    labels = [float(v) for v in y.tolist()]
    mistakes = []
    for _ in range(max_epochs):
        count = 0
        for x_i, y_i in zip(X, labels, strict=True):
            if y_i * (w @ x_i + b) <= 0:
                w, b = w + y_i * x_i, b + y_i
                count += 1
        if count == 0:
            break
        mistakes.append(count)
    return w, b, mistakes
