"""Mistake: counting the updates with a tensor, count += (margin <= 0).

The numbers look right when printed, but the list holds 0-d tensors, not ints: comparing,
plotting or json-dumping it goes wrong, and each count keeps a device tensor alive.
"""

import torch

CAUGHT_BY = "expected a list of Python ints"
REJECTED_BY = "test_training_equals_reference_loop_and_converges"


def train_perceptron(X, y, max_epochs=100):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    mistakes = []
    for _ in range(max_epochs):
        count = torch.zeros((), dtype=torch.long, device=X.device)
        for x_i, y_i in zip(X, y.tolist(), strict=True):
            wrong = y_i * (w @ x_i + b) <= 0
            if wrong:
                w, b = w + y_i * x_i, b + y_i
            count += wrong
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes
