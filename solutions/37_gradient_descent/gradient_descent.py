"""Kata 37: batch, stochastic and mini-batch gradient descent. See README.md in this folder.

Every function takes `loss_fn(w, X_batch, y_batch)`, which returns the PER-EXAMPLE losses of
a batch, shape (B,). The loss of a batch is their MEAN, and its gradient is what every update
uses: w <- w - lr * grad (descent: against the gradient).
"""

from collections.abc import Callable

import torch
from torch import Tensor

LossFn = Callable[[Tensor, Tensor, Tensor], Tensor]


def batch_gradient(loss_fn: LossFn, w: Tensor, X: Tensor, y: Tensor) -> Tensor:
    """The gradient at w of the mean of loss_fn(w, X, y) over the batch.

    w: (D,) float32 or float64, on any device; it may require grad or not. X: (B, ...) and
    y: (B, ...) on w's device, B >= 1. loss_fn returns the B per-example losses, shape (B,).
    Returns a (D,) tensor of w's dtype and device that carries no autograd graph
    (requires_grad False). Does not change w (values, requires_grad, .grad), X or y.
    """
    # a fresh leaf: autograd can differentiate with respect to it without touching w
    leaf = w.detach().requires_grad_(True)
    loss = loss_fn(leaf, X, y).mean()  # the MEAN over the batch, not the sum
    (grad,) = torch.autograd.grad(loss, leaf)
    return grad.detach()


def full_batch_descent(
    loss_fn: LossFn, w0: Tensor, X: Tensor, y: Tensor, lr: float, epochs: int
) -> Tensor:
    """Batch gradient descent: ONE update per epoch, with the gradient over all N examples.

    w0: (D,) float32 or float64, the starting point; X: (N, ...) and y: (N, ...) on w0's
    device. Returns the path: a (epochs + 1, D) tensor whose row 0 is w0 and whose row k is
    w after update k (w_k = w_{k-1} - lr * batch_gradient(loss_fn, w_{k-1}, X, y)), of w0's
    dtype and device, with no autograd graph. Does not change w0 (values, requires_grad),
    X or y. Raises ValueError when X and y hold different numbers of examples.
    """
    _check_examples(X, y)
    w = w0.detach().clone()
    path = [w]
    for _ in range(epochs):
        w = w - lr * batch_gradient(loss_fn, w, X, y)  # one update per pass over all N
        path.append(w)
    return torch.stack(path)  # (epochs + 1, D)


def minibatch_descent(
    loss_fn: LossFn,
    w0: Tensor,
    X: Tensor,
    y: Tensor,
    lr: float,
    epochs: int,
    batch_size: int,
    generator: torch.Generator,
    shuffle: bool = True,
) -> Tensor:
    """Mini-batch gradient descent: one update per mini-batch, every example once per epoch.

    Sampling, WITHOUT replacement and reshuffled every epoch: at the start of each epoch,
    order = torch.randperm(N, generator=generator) (generator is a CPU generator; with
    shuffle=False, order = torch.arange(N) and the generator is not used). The epoch's
    batches are order[0:B], order[B:2B], ...; the last one is shorter when B does not
    divide N: it is kept (not dropped, not padded) and its gradient is the mean over its
    own examples. batch_size larger than N gives one batch of all N.
    Each update uses the gradient at the current w: w <- w - lr * batch_gradient(...).
    w0: (D,) float32 or float64; X: (N, ...) and y: (N, ...) on w0's device.
    Returns the path, a (epochs * ceil(N / batch_size) + 1, D) tensor: row 0 is w0, then
    w after each update in order; w0's dtype and device, no autograd graph.
    Does not change w0 (values, requires_grad), X or y.
    Raises ValueError when batch_size < 1 or X and y hold different numbers of examples.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    n = _check_examples(X, y)
    w = w0.detach().clone()
    path = [w]
    for _ in range(epochs):
        # a new order every epoch, drawn on the CPU generator; indices then go to X's device
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        order = order.to(X.device)
        for start in range(0, n, batch_size):  # the last slice may be short: keep it
            idx = order[start : start + batch_size]
            w = w - lr * batch_gradient(loss_fn, w, X[idx], y[idx])
            path.append(w)
    return torch.stack(path)  # (epochs * ceil(N / B) + 1, D)


def stochastic_descent(
    loss_fn: LossFn,
    w0: Tensor,
    X: Tensor,
    y: Tensor,
    lr: float,
    epochs: int,
    generator: torch.Generator,
) -> Tensor:
    """Stochastic gradient descent: one update per single example, N updates per epoch.

    The same sampling as minibatch_descent with batch_size 1: at the start of each epoch
    order = torch.randperm(N, generator=generator), then one update per example i in that
    order, with the gradient of example i's loss alone (a batch X[i:i+1]).
    Returns the path, a (epochs * N + 1, D) tensor (row 0 is w0), as minibatch_descent.
    Does not change w0, X or y. Raises ValueError when X and y hold different numbers
    of examples.
    """
    return minibatch_descent(loss_fn, w0, X, y, lr, epochs, 1, generator, shuffle=True)


def gradient_noise(
    loss_fn: LossFn,
    w: Tensor,
    X: Tensor,
    y: Tensor,
    batch_size: int,
    draws: int,
    generator: torch.Generator,
) -> float:
    """How noisy a mini-batch gradient is: mean over draws of ||g_B - g||^2.

    g is batch_gradient over all N examples at w; g_B is batch_gradient over one mini-batch.
    Sampling, WITH replacement: draw d uses idx = torch.randint(N, (batch_size,),
    generator=generator) (a CPU generator), then g_B = batch_gradient(loss_fn, w, X[idx],
    y[idx]). With replacement the expected value is exactly sigma^2 / batch_size, where
    sigma^2 is the mean over examples of ||g_i - g||^2. Returns a Python float.
    Does not change w, X or y. Raises ValueError when batch_size < 1 or draws < 1.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    n = _check_examples(X, y)
    full = batch_gradient(loss_fn, w, X, y)  # (D,)
    total = 0.0
    for _ in range(draws):
        idx = torch.randint(n, (batch_size,), generator=generator).to(X.device)
        g = batch_gradient(loss_fn, w, X[idx], y[idx])
        total += float(((g - full) ** 2).sum())  # squared distance from the full gradient
    return total / draws


def _check_examples(X: Tensor, y: Tensor) -> int:
    """N, the number of examples; ValueError when X and y disagree."""
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} examples but y has {y.shape[0]}")
    return X.shape[0]
