"""Kata 18: the perceptron learning rule. See README.md in this folder."""

import torch
from torch import Tensor


def predict(w: Tensor, b: Tensor, X: Tensor) -> Tensor:
    """The perceptron's labels for the rows of X: +1 where X @ w + b > 0, else -1.

    w: (D,), b: 0-d, X: (N, D), all of one floating dtype and device; none is modified.
    Returns (N,) of X's dtype and device, every entry +1.0 or -1.0 (a score of exactly 0
    is -1: it is not on the positive side).
    """
    scores = X @ w + b  # (N,)
    return torch.where(scores > 0, 1.0, -1.0).to(X.dtype)


def perceptron_update(w: Tensor, b: Tensor, x: Tensor, y: float) -> tuple[Tensor, Tensor]:
    """One step of the perceptron rule on one example (x, y).

    w: (D,), b: 0-d, x: (D,), one floating dtype and device; y: +1 or -1 (float or int).
    If y * (w @ x + b) <= 0 (wrong side, or on the boundary) returns (w + y * x, b + y);
    otherwise returns w and b unchanged. The caller's w and b are never modified.
    """
    if y * (w @ x + b) <= 0:
        return w + y * x, b + y  # new tensors: the caller's stay as they were
    return w, b


def train_perceptron(
    X: Tensor, y: Tensor, max_epochs: int = 100
) -> tuple[Tensor, Tensor, list[int]]:
    """Train a perceptron from w = 0, b = 0 with the perceptron rule, one example at a time.

    X: (N, D) floating point; y: (N,) of +1 / -1 (any dtype), same device; neither is
    modified. An epoch visits the examples in order 0..N-1, applying perceptron_update's
    rule to each. Returns (w, b, mistakes): w (D,) and b 0-d of X's dtype and device, and
    a list of Python ints, the number of updates made in each epoch. Stops after the first
    epoch with no update, or after max_epochs epochs (then the last count is not 0);
    max_epochs=0 trains nothing and returns the zeros and [].
    """
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    labels = [float(v) for v in y.tolist()]
    mistakes: list[int] = []
    for _ in range(max_epochs):
        count = 0
        for x_i, y_i in zip(X, labels, strict=True):
            if y_i * (w @ x_i + b) <= 0:  # on the wrong side or on the boundary
                w, b = w + y_i * x_i, b + y_i
                count += 1
        mistakes.append(count)
        if count == 0:  # every example on the right side: converged
            break
    return w, b, mistakes
