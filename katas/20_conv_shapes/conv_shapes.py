"""Kata 20: output shapes of convolutions and pooling, by formula. See README.md in this folder."""

from collections.abc import Sequence

from torch import nn


def conv_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """The length of one spatial dimension after a convolution (nn.Conv1d/2d/3d's formula).

    All arguments are ints >= 0 (kernel_size, stride, dilation >= 1). Raises ValueError
    when the (padded) input is smaller than the dilated kernel, where torch's layer fails.
    """
    # TODO: the kernel spans dilation * (kernel_size - 1) + 1 inputs; count the strides that fit
    raise NotImplementedError(
        "TODO: conv_output_size(size, kernel_size, stride, padding, dilation)"
    )


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
    # TODO: the conv formula, with stride defaulting to kernel_size and ceil_mode's rule
    raise NotImplementedError(
        "TODO: pool_output_size(size, kernel_size, stride, padding, dilation, ceil_mode)"
    )


def conv_output_shape(input_shape: Sequence[int], conv: nn.Module) -> tuple[int, ...]:
    """The shape conv(x) would have for x of input_shape, without running it.

    conv: an nn.Conv1d, nn.Conv2d or nn.Conv3d, with any kernel_size, stride, dilation and
    padding (ints, tuples, or the strings "same" and "valid"). input_shape: (N, C_in, *spatial)
    or unbatched (C_in, *spatial), with as many spatial dims as the conv has. Returns a tuple
    of the same length with C_out and the new spatial sizes. ValueError if C_in is not
    conv.in_channels. Do not call the layer or F.conv1d/2d/3d.
    """
    # TODO: read conv.kernel_size, stride, padding, dilation (tuples or "same"/"valid")
    raise NotImplementedError("TODO: conv_output_shape(input_shape, conv)")


def flattened_features(input_shape: Sequence[int], layers: nn.Sequential) -> int:
    """How many features one example has after `layers` and a flatten: a Linear's in_features.

    input_shape: (C, *spatial) of one example (no batch dim). layers: an nn.Sequential of
    nn.Conv1d/2d/3d, nn.MaxPool1d/2d/3d, nn.AvgPool1d/2d/3d and shape-keeping layers
    (activations, BatchNorm, Dropout). Do not run the layers: use your formulas.
    """
    # TODO: walk the layers, updating the shape with your formulas; multiply at the end
    raise NotImplementedError("TODO: flattened_features(input_shape, layers)")
