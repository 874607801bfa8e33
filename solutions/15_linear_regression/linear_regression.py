"""Kata 15: linear regression, closed form and gradient descent. See README.md in this folder."""

import torch
from torch import Tensor, nn


def least_squares(X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """The weight and bias that minimise the squared error of X @ weight.T + bias against y.

    X: (N, D) floating point, y: (N, K) of X's dtype and device, N > D.
    Returns (weight, bias) with weight (K, D) and bias (K,), laid out like nn.Linear(D, K)'s
    parameters, on X's device and dtype, with no autograd graph. X and y are not changed.
    """
    X, y = X.detach(), y.detach()
    # a constant column turns the bias into one more weight
    ones = torch.ones(X.shape[0], 1, dtype=X.dtype, device=X.device)
    A = torch.cat([X, ones], dim=1)  # (N, D + 1)
    theta = torch.linalg.lstsq(A, y).solution  # (D + 1, K)
    return theta[:-1].T.contiguous(), theta[-1].clone()


def fit_gradient_descent(X: Tensor, y: Tensor, *, lr: float = 0.1, steps: int = 500) -> nn.Linear:
    """Fit nn.Linear(D, K) to (X, y) by full-batch gradient descent on the mean squared error.

    X: (N, D) float32, y: (N, K) float32, same device. Build the layer on X's device, then
    take `steps` steps of torch.optim.SGD(lr=lr) on nn.MSELoss() over the whole batch.
    Returns the trained layer. Does not solve the closed form (no torch.linalg).
    """
    model = nn.Linear(X.shape[1], y.shape[1], device=X.device, dtype=X.dtype)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()  # .grad accumulates across backward() calls otherwise
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
    return model
