"""Kata 20: output shapes of convolutions and pooling, by formula. See README.md in this folder."""

import math
from collections.abc import Sequence

from torch import nn

CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)


def conv_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """The length of one spatial dimension after a convolution (nn.Conv1d/2d/3d's formula).

    All arguments are ints >= 0 (kernel_size, stride, dilation >= 1). Raises ValueError
    when the (padded) input is smaller than the dilated kernel, where torch's layer fails.
    """
    span = dilation * (kernel_size - 1) + 1  # the kernel's reach, holes included
    if size + 2 * padding < span:
        raise ValueError(
            f"input of size {size} (+2*{padding} padding) is smaller than the kernel's span {span}"
        )
    return (size + 2 * padding - span) // stride + 1


def pool_output_size(
    size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """The length of one spatial dimension after nn.MaxPool1d/2d/3d (or AvgPool, dilation 1).

    stride None means stride = kernel_size, as in torch's pooling layers. padding is at most
    kernel_size // 2. ceil_mode rounds the division up, but a last window that would start
    in the right padding is dropped (torch's rule). ValueError if the output would be empty.
    """
    stride = kernel_size if stride is None else stride
    span = dilation * (kernel_size - 1) + 1
    room = size + 2 * padding - span  # may be negative: ceil_mode can still fit one window
    out = (math.ceil(room / stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # that window would start past the input, in the padding only
    if out < 1:
        raise ValueError(f"input of size {size} is smaller than the pooling window {span}")
    return out


def conv_output_shape(input_shape: Sequence[int], conv: nn.Module) -> tuple[int, ...]:
    """The shape conv(x) would have for x of input_shape, without running it.

    conv: an nn.Conv1d, nn.Conv2d or nn.Conv3d, with any kernel_size, stride, dilation and
    padding (ints, tuples, or the strings "same" and "valid"). input_shape: (N, C_in, *spatial)
    or unbatched (C_in, *spatial), with as many spatial dims as the conv has. Returns a tuple
    of the same length with C_out and the new spatial sizes. ValueError if C_in is not
    conv.in_channels. Do not call the layer or F.conv1d/2d/3d.
    """
    shape = tuple(input_shape)
    dims = len(conv.kernel_size)
    *batch, channels = shape[: len(shape) - dims]
    if channels != conv.in_channels:
        raise ValueError(f"input has {channels} channels, the conv expects {conv.in_channels}")
    spatial = []
    for i, size in enumerate(shape[-dims:]):
        if conv.padding == "same":  # torch pads so that the output keeps the input's size
            spatial.append(size)
            continue
        padding = 0 if conv.padding == "valid" else conv.padding[i]
        spatial.append(
            conv_output_size(size, conv.kernel_size[i], conv.stride[i], padding, conv.dilation[i])
        )
    return (*batch, conv.out_channels, *spatial)


def _per_dim(value: int | Sequence[int], dims: int) -> tuple[int, ...]:
    # pooling layers keep what they were given: 3 or (3, 3)
    return tuple(value) if isinstance(value, Sequence) else (value,) * dims


def flattened_features(input_shape: Sequence[int], layers: nn.Sequential) -> int:
    """How many features one example has after `layers` and a flatten: a Linear's in_features.

    input_shape: (C, *spatial) of one example (no batch dim). layers: an nn.Sequential of
    nn.Conv1d/2d/3d, nn.MaxPool1d/2d/3d, nn.AvgPool1d/2d/3d and shape-keeping layers
    (activations, BatchNorm, Dropout). Do not run the layers: use your formulas.
    """
    shape = tuple(input_shape)
    for layer in layers:
        if isinstance(layer, CONVS):
            shape = conv_output_shape(shape, layer)
        elif isinstance(layer, POOLS):
            dims = len(shape) - 1
            kernel = _per_dim(layer.kernel_size, dims)
            stride = _per_dim(layer.stride or layer.kernel_size, dims)
            padding = _per_dim(layer.padding, dims)
            dilation = _per_dim(getattr(layer, "dilation", 1), dims)  # AvgPool has none
            shape = (
                shape[0],
                *(
                    pool_output_size(s, k, st, p, d, layer.ceil_mode)
                    for s, k, st, p, d in zip(
                        shape[1:], kernel, stride, padding, dilation, strict=True
                    )
                ),
            )
    return math.prod(shape)
