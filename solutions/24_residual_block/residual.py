"""Kata 24: a residual block with a projection shortcut. See README.md in this folder."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class ResidualBlock(nn.Module):
    """ResNet's basic block: two 3x3 convolutions on the main path, plus a shortcut.

    Submodules, with these names (the tests read them):
      conv1: Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
      bn1: BatchNorm2d(out_channels)
      conv2: Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
      bn2: BatchNorm2d(out_channels)
      shortcut: nn.Identity() when in_channels == out_channels and stride == 1; otherwise the
        projection nn.Sequential(Conv2d(in_channels, out_channels, 1, stride=stride,
        bias=False), BatchNorm2d(out_channels)).
    forward(x) = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), for x of shape
    (B, in_channels, H, W) -> (B, out_channels, ceil(H / stride), ceil(W / stride)).
    The caller's x is not modified.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if in_channels == out_channels and stride == 1:
            self.shortcut: nn.Module = nn.Identity()
        else:  # the shapes differ, so x cannot be added as it is: project it
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))  # (B, C_out, H', W')
        out = self.bn2(self.conv2(out))
        # out + shortcut, not shortcut += out: an identity shortcut returns x itself
        return F.relu(out + self.shortcut(x))


def zero_init_residual(block: ResidualBlock) -> None:
    """Zero the weight (gamma) of block.bn2, in place, so the main path starts at zero.

    bn2.bias is zero when the block is built, so afterwards block(x) == relu(block.shortcut(x))
    in train and eval mode alike: an identity block starts as relu(x), and its gradient
    reaches x through the shortcut alone. Nothing else changes; bn2.weight stays the same
    Parameter object, with the same storage, that requires grad (it is trained from zero, and
    an optimizer built before the call still holds it).
    """
    with torch.no_grad():
        block.bn2.weight.zero_()


def make_stage(
    in_channels: int, out_channels: int, num_blocks: int, stride: int = 1
) -> nn.Sequential:
    """A ResNet stage: num_blocks separate ResidualBlocks (each with its own weights) in an
    nn.Sequential.

    The first block goes from in_channels to out_channels with the given stride (so it has
    the projection shortcut when either changes); the others keep out_channels, stride 1, and
    an identity shortcut. Raises ValueError if num_blocks < 1.
    """
    if num_blocks < 1:
        raise ValueError(f"num_blocks must be at least 1, got {num_blocks}")
    blocks = [ResidualBlock(in_channels, out_channels, stride)]
    blocks += [ResidualBlock(out_channels, out_channels) for _ in range(num_blocks - 1)]
    return nn.Sequential(*blocks)
