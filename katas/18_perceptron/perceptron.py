"""Kata 18: the perceptron learning rule. See README.md in this folder."""

from torch import Tensor


def predict(w: Tensor, b: Tensor, X: Tensor) -> Tensor:
    """The perceptron's labels for the rows of X: +1 where X @ w + b > 0, else -1.

    w: (D,), b: 0-d, X: (N, D), all of one floating dtype and device; none is modified.
    Returns (N,) of X's dtype and device, every entry +1.0 or -1.0 (a score of exactly 0
    is -1: it is not on the positive side).
    """
    # TODO: scores, then torch.where
    raise NotImplementedError("TODO: predict(w, b, X)")


def perceptron_update(w: Tensor, b: Tensor, x: Tensor, y: float) -> tuple[Tensor, Tensor]:
    """One step of the perceptron rule on one example (x, y).

    w: (D,), b: 0-d, x: (D,), one floating dtype and device; y: +1 or -1 (float or int).
    If y * (w @ x + b) <= 0 (wrong side, or on the boundary) returns (w + y * x, b + y);
    otherwise returns w and b unchanged. The caller's w and b are never modified.
    """
    # TODO: the margin y * (w @ x + b) decides; build new tensors, do not use +=
    raise NotImplementedError("TODO: perceptron_update(w, b, x, y)")


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
    # TODO: zeros; loop epochs, loop examples in order, count updates; stop at a clean epoch
    raise NotImplementedError("TODO: train_perceptron(X, y, max_epochs)")
