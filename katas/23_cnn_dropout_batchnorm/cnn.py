"""Kata 23: a CNN with Dropout and BatchNorm, train vs eval. See README.md in this folder."""

from torch import Tensor, nn


class SmallCNN(nn.Module):
    """Two convolution blocks and a classifier, with BatchNorm and Dropout.

    The layers, in this order (the tests find them by type, in order):
      Conv2d(in_channels, 16, 3, padding=1, bias=False), BatchNorm2d(16), ReLU, MaxPool2d(2),
      Conv2d(16, 32, 3, padding=1, bias=False), BatchNorm2d(32), ReLU,
      the mean over H and W, Dropout(p), Linear(32, num_classes).
    The convolutions have no bias: the BatchNorm right after each one adds its own shift.
    forward(x): x (B, in_channels, H, W) float, H and W at least 2 -> logits (B, num_classes).
    """

    def __init__(self, in_channels: int, num_classes: int, p: float = 0.5) -> None:
        # TODO: super().__init__(), then nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d,
        # nn.Dropout and nn.Linear, registered as submodules (nn.Sequential is fine)
        raise NotImplementedError("TODO: SmallCNN.__init__")

    def forward(self, x: Tensor) -> Tensor:
        # TODO: conv, BatchNorm, ReLU (twice, pooling after the first), mean over (H, W),
        # dropout, linear
        raise NotImplementedError("TODO: SmallCNN.forward")


def predict(model: nn.Module, x: Tensor) -> Tensor:
    """Inference logits model(x), as at test time.

    Dropout is off and BatchNorm normalizes with its running statistics, so the same x always
    gives the same logits. The result carries no autograd graph, even for an x that requires
    grad. Afterwards, also when model(x) raises, every submodule is in the mode (train or eval)
    it was in before the call, every parameter's requires_grad is as it was, and no running
    statistic changed.
    """
    # TODO: remember each submodule's .training, model.eval(), torch.no_grad(), then restore
    raise NotImplementedError("TODO: predict(model, x)")


def freeze_batchnorm(model: nn.Module) -> None:
    """Freeze every BatchNorm layer (1d, 2d and 3d) of model, in place, for fine-tuning.

    Each BatchNorm goes to eval mode, so it normalizes with its running statistics and stops
    updating them, and its weight and bias stop requiring grad. Every other layer keeps its
    mode and its parameters (Dropout stays active in a model in training mode). A later
    model.train() puts BatchNorm back in training mode: call this after model.train().
    """
    # TODO: model.modules(), isinstance(m, nn.modules.batchnorm._BatchNorm), m.eval(),
    # requires_grad_(False)
    raise NotImplementedError("TODO: freeze_batchnorm(model)")
