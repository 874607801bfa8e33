"""Kata 69: an autoencoder with a bottleneck. See README.md in this folder."""

import torch
from torch import Tensor, nn


class Autoencoder(nn.Module):
    """An MLP autoencoder that squeezes in_features numbers through code_size < in_features.

    Layers, exactly (the tests read them by these names):
        self.encoder = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(),
                                     nn.Linear(hidden, code_size))
        self.decoder = nn.Sequential(nn.Linear(code_size, hidden), nn.ReLU(),
                                     nn.Linear(hidden, in_features))
    No activation after the code (it may be any real vector) and none after the decoder's
    last layer: the data can be any real numbers, not only values in [0, 1].
    Raises ValueError when code_size < 1 or code_size >= in_features (then there is no
    bottleneck and copying the input is a perfect, useless answer), or when hidden < 1.
    """

    def __init__(self, in_features: int, code_size: int, hidden: int = 32) -> None:
        super().__init__()
        if not 1 <= code_size < in_features:
            raise ValueError(
                f"code_size must be between 1 and in_features - 1 = {in_features - 1}, got "
                f"{code_size}: a code as wide as the input is no bottleneck"
            )
        if hidden < 1:
            raise ValueError(f"hidden must be at least 1, got {hidden}")
        self.encoder = nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, code_size)
        )
        self.decoder = nn.Sequential(
            nn.Linear(code_size, hidden), nn.ReLU(), nn.Linear(hidden, in_features)
        )

    def encode(self, x: Tensor) -> Tensor:
        """x: (B, in_features), float, on the model's device -> the code (B, code_size).

        Same dtype and device as x; x is not modified.
        """
        return self.encoder(x)  # (B, code_size)

    def decode(self, code: Tensor) -> Tensor:
        """code: (B, code_size) -> the reconstruction (B, in_features), unbounded reals."""
        return self.decoder(code)  # (B, in_features)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, in_features) -> decode(encode(x)), shape (B, in_features)."""
        return self.decode(self.encode(x))


def reconstruction_loss(reconstruction: Tensor, target: Tensor) -> Tensor:
    """Mean squared error over every element: ((reconstruction - target) ** 2).mean().

    reconstruction, target: the same shape (B, D), same dtype and device. Returns a 0-d
    tensor that carries reconstruction's graph (so loss.backward() works). Neither input
    is modified. Raises ValueError when the shapes differ (broadcasting (B, D) against
    (B, 1) or (D,) would silently compare the wrong numbers).
    """
    if reconstruction.shape != target.shape:
        raise ValueError(
            f"reconstruction has shape {tuple(reconstruction.shape)} but target has "
            f"{tuple(target.shape)}: they must match exactly"
        )
    return (reconstruction - target).pow(2).mean()


def train_step(model: Autoencoder, x: Tensor, optimizer: torch.optim.Optimizer) -> float:
    """One optimisation step that teaches model to reconstruct the batch x (B, in_features).

    Clears any gradient left in the parameters first, computes
    reconstruction_loss(model(x), x), backpropagates and calls optimizer.step() exactly once.
    Returns this batch's loss before the update, as a Python float. x is not modified.
    """
    optimizer.zero_grad()  # backward() adds into .grad: clear what earlier steps left
    loss = reconstruction_loss(model(x), x)
    loss.backward()
    optimizer.step()
    return loss.item()
