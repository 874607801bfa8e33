"""Mistake: conv_output_shape runs the conv on a zero tensor and reads the output's shape.

It gives the right numbers, but the docstring says not to call the layer: the point is the
formula (and a forward pass on a large input costs time and memory).
"""

import torch

CAUGHT_BY = "running the layers on a dummy input"
REJECTED_BY = "test_conv_output_shape_agrees_with_layer"


def conv_output_shape(input_shape, conv):
    with torch.no_grad():
        return tuple(conv(torch.zeros(tuple(input_shape))).shape)
