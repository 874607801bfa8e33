"""Kata 21: conv2d from scratch with unfold and matmul. See README.md in this folder."""

from torch import Tensor, nn

IntPair = int | tuple[int, int]


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
) -> Tensor:
    """A 2-d convolution (cross-correlation, like F.conv2d) built from F.unfold and a matmul.

    x: (N, C_in, H, W); weight: (C_out, C_in, kH, kW); bias: (C_out,) or None; stride,
    padding, dilation: an int or an (h, w) pair, as in F.conv2d. All floating point, one
    device. Returns (N, C_out, H_out, W_out) with torch's output sizes, differentiable with
    respect to x, weight and bias. ValueError if C_in does not match weight or the output
    would be empty. Do not call F.conv2d, torch.conv2d, nn.Conv2d or any other conv.
    """
    # TODO: F.unfold gives (N, C_in*kH*kW, L); multiply by weight as (C_out, C_in*kH*kW)
    raise NotImplementedError("TODO: conv2d(x, weight, bias, stride, padding, dilation)")


class Conv2d(nn.Module):
    """A drop-in nn.Conv2d (no groups, zero padding) whose forward is your conv2d.

    Parameters `weight` (out_channels, in_channels, kH, kW) and `bias` (out_channels,) are
    registered with nn.Conv2d's names and shapes, so state_dicts load both ways; with
    bias=False the module has no bias parameter. Both start uniform in +-1/sqrt(fan_in),
    fan_in = in_channels * kH * kW, as nn.Conv2d's do.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair = 0,
        dilation: IntPair = 1,
        bias: bool = True,
    ) -> None:
        # TODO: super().__init__(); nn.Parameter weight and bias; nn.init.uniform_
        raise NotImplementedError("TODO: Conv2d.__init__")

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out)."""
        # TODO: call your conv2d with this module's parameters and settings
        raise NotImplementedError("TODO: Conv2d.forward(x)")
