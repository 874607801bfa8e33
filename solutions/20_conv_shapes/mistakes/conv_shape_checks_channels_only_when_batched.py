"""Mistake: conv_output_shape checks C_in only for batched shapes (shape[1]).

An unbatched (C_in, *spatial) input with the wrong channel count slips through; the layer
itself refuses it, so the docstring asks for ValueError there too.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "unbatched"
REJECTED_BY = "test_conv_output_shape_rejects_wrong_channels"
solution = solution_for(__file__)


def conv_output_shape(input_shape, conv):
    shape = tuple(input_shape)
    dims = len(conv.kernel_size)
    if len(shape) == dims + 2 and shape[1] != conv.in_channels:
        raise ValueError("wrong number of input channels")
    batch = shape[:1] if len(shape) == dims + 2 else ()
    spatial = []
    for i, size in enumerate(shape[-dims:]):
        if conv.padding == "same":
            spatial.append(size)
            continue
        padding = 0 if conv.padding == "valid" else conv.padding[i]
        spatial.append(
            solution.conv_output_size(
                size, conv.kernel_size[i], conv.stride[i], padding, conv.dilation[i]
            )
        )
    return (*batch, conv.out_channels, *spatial)
