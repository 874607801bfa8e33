"""Mistake: reading padding="same" or "valid" as no padding at all.

"valid" is indeed 0, but "same" pads so that each spatial size is kept (stride 1).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "padding='same' keeps each spatial size"
REJECTED_BY = "test_conv_output_shape_agrees_with_layer"


def conv_output_shape(input_shape, conv):
    shape = tuple(input_shape)
    dims = len(conv.kernel_size)
    *batch, channels = shape[: len(shape) - dims]
    if channels != conv.in_channels:
        raise ValueError("wrong number of input channels")
    padding = (0,) * dims if isinstance(conv.padding, str) else conv.padding
    conv_output_size = solution_for(__file__).conv_output_size
    spatial = [
        conv_output_size(s, k, st, p, d)
        for s, k, st, p, d in zip(
            shape[-dims:], conv.kernel_size, conv.stride, padding, conv.dilation, strict=True
        )
    ]
    return (*batch, conv.out_channels, *spatial)
