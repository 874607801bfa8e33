"""Mistake: training updates w but never b.

The boundary is forced through the origin: data whose separating line does not pass
through it is never separated, and the steps differ from the rule's.
"""

import torch

CAUGHT_BY = "update b too"
REJECTED_BY = "test_training_equals_reference_loop_and_converges"


def train_perceptron(X, y, max_epochs=100):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    mistakes = []
    for _ in range(max_epochs):
        count = 0
        for x_i, y_i in zip(X, y.tolist(), strict=True):
            if y_i * (w @ x_i + b) <= 0:
                w = w + y_i * x_i
                count += 1
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes
