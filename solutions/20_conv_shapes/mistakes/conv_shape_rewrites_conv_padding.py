"""Mistake: conv_output_shape "normalises" conv.padding by assigning to the caller's layer.

Writing conv.padding = (0, 0) for "valid" (or the computed pads for "same") edits the
model that was passed in; the function only reads the layer.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's conv"
REJECTED_BY = "test_conv_output_shape_returns_a_tuple_and_leaves_its_arguments_alone"


def conv_output_shape(input_shape, conv):
    dims = len(conv.kernel_size)
    if conv.padding == "valid":
        conv.padding = (0,) * dims
    elif conv.padding == "same":
        pairs = zip(conv.kernel_size, conv.dilation, strict=True)
        conv.padding = tuple(d * (k - 1) // 2 for k, d in pairs)
    return solution_for(__file__).conv_output_shape(input_shape, conv)
