"""Kata 15: linear regression, closed form and gradient descent. See README.md in this folder."""

from torch import Tensor, nn


def least_squares(X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """The weight and bias that minimise the squared error of X @ weight.T + bias against y.

    X: (N, D) floating point, y: (N, K) of X's dtype and device, N > D.
    Returns (weight, bias) with weight (K, D) and bias (K,), laid out like nn.Linear(D, K)'s
    parameters, on X's device and dtype, with no autograd graph. X and y are not changed.
    """
    # TODO: append a column of ones to X for the bias, then torch.linalg.lstsq
    raise NotImplementedError("TODO: least_squares(X, y)")


def fit_gradient_descent(X: Tensor, y: Tensor, *, lr: float = 0.1, steps: int = 500) -> nn.Linear:
    """Fit nn.Linear(D, K) to (X, y) by full-batch gradient descent on the mean squared error.

    X: (N, D) float32, y: (N, K) float32, same device. Build the layer on X's device, then
    take `steps` steps of torch.optim.SGD(lr=lr) on nn.MSELoss() over the whole batch.
    Returns the trained layer. Does not solve the closed form (no torch.linalg).
    """
    # TODO: nn.Linear, nn.MSELoss, torch.optim.SGD; each step: zero_grad, loss, backward, step
    raise NotImplementedError("TODO: fit_gradient_descent(X, y)")
