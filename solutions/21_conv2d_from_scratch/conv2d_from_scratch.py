"""Kata 21: conv2d from scratch with unfold and matmul. See README.md in this folder."""

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IntPair = int | tuple[int, int]


def _pair(value: IntPair) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


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
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    n, c_in, h, w = x.shape
    c_out, c_in_w, kh, kw = weight.shape
    if c_in != c_in_w:
        raise ValueError(f"x has {c_in} channels but weight expects {c_in_w}")
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), (kh, kw), stride, padding, dilation, strict=True)
    )
    if h_out < 1 or w_out < 1:
        raise ValueError(f"output would be empty: {h_out} x {w_out}")
    # every receptive field as a column: (N, C_in * kH * kW, L) with L = H_out * W_out
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    # weight rows are flattened in the same (C_in, kH, kW) order as unfold's columns
    out = weight.reshape(c_out, -1) @ cols  # (N, C_out, L)
    if bias is not None:
        out = out + bias[:, None]  # one bias per output channel, over every position
    return out.view(n, c_out, h_out, w_out)


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
        super().__init__()
        kh, kw = _pair(kernel_size)
        self.stride, self.padding, self.dilation = _pair(stride), _pair(padding), _pair(dilation)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kh, kw))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)  # like nn.Conv2d: the name exists, unset
        bound = 1 / math.sqrt(in_channels * kh * kw)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out)."""
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)
