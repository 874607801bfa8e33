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
        # TODO: check code_size and hidden (ValueError), then self.encoder and self.decoder
        # as two nn.Sequential: which layer's width is the bottleneck?
        raise NotImplementedError("TODO: Autoencoder.__init__(in_features, code_size, hidden)")

    def encode(self, x: Tensor) -> Tensor:
        """x: (B, in_features), float, on the model's device -> the code (B, code_size).

        Same dtype and device as x; x is not modified.
        """
        # TODO: run the encoder
        raise NotImplementedError("TODO: Autoencoder.encode(x)")

    def decode(self, code: Tensor) -> Tensor:
        """code: (B, code_size) -> the reconstruction (B, in_features), unbounded reals."""
        # TODO: run the decoder
        raise NotImplementedError("TODO: Autoencoder.decode(code)")

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, in_features) -> decode(encode(x)), shape (B, in_features)."""
        # TODO: compose encode and decode
        raise NotImplementedError("TODO: Autoencoder.forward(x)")


def reconstruction_loss(reconstruction: Tensor, target: Tensor) -> Tensor:
    """Mean squared error over every element: ((reconstruction - target) ** 2).mean().

    reconstruction, target: the same shape (B, D), same dtype and device. Returns a 0-d
    tensor that carries reconstruction's graph (so loss.backward() works). Neither input
    is modified. Raises ValueError when the shapes differ (broadcasting (B, D) against
    (B, 1) or (D,) would silently compare the wrong numbers).
    """
    # TODO: check the shapes, then the mean of the squared differences: mean over what?
    raise NotImplementedError("TODO: reconstruction_loss(reconstruction, target)")


def train_step(model: Autoencoder, x: Tensor, optimizer: torch.optim.Optimizer) -> float:
    """One optimisation step that teaches model to reconstruct the batch x (B, in_features).

    Clears any gradient left in the parameters first, computes
    reconstruction_loss(model(x), x), backpropagates and calls optimizer.step() exactly once.
    Returns this batch's loss before the update, as a Python float. x is not modified.
    """
    # TODO: zero_grad, forward, reconstruction_loss, backward, step; return a float
    raise NotImplementedError("TODO: train_step(model, x, optimizer)")
