"""Mistake: a do-while training loop that checks max_epochs only after an epoch.

With max_epochs=0 it still trains one epoch: the caller asked for no training at all.
"""

import torch

CAUGHT_BY = "runs one epoch before checking max_epochs"
REJECTED_BY = "test_training_with_zero_epochs_returns_the_start"


def train_perceptron(X, y, max_epochs=100):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    mistakes, epoch = [], 0
    while True:
        count = 0
        for x_i, y_i in zip(X, y.tolist(), strict=True):
            if y_i * (w @ x_i + b) <= 0:
                w, b = w + y_i * x_i, b + y_i
                count += 1
        mistakes.append(count)
        epoch += 1
        if count == 0 or epoch >= max_epochs:
            break
    return w, b, mistakes
