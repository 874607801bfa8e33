"""Mistake: flattened_features reads a pooling layer's kernel_size, stride and padding as if square.

nn.MaxPool2d((2, 3), stride=(2, 1)) has a different window per spatial dim; taking [0] of
a tuple (or the int) for every dim gets the other dims wrong.
"""

import math

from torchkatas.harness import solution_for

CAUGHT_BY = "each spatial dim has its own"
REJECTED_BY = "test_flattened_features_reads_each_dim_and_passes_any_shape_keeping_layer"
solution = solution_for(__file__)


def _first(value):
    return value if isinstance(value, int) else value[0]


def flattened_features(input_shape, layers):
    shape = tuple(input_shape)
    for layer in layers:
        if isinstance(layer, solution.CONVS):
            shape = solution.conv_output_shape(shape, layer)
        elif isinstance(layer, solution.POOLS):
            k, p = _first(layer.kernel_size), _first(layer.padding)
            s = _first(layer.stride or layer.kernel_size)
            d = _first(getattr(layer, "dilation", 1))
            sizes = [solution.pool_output_size(n, k, s, p, d, layer.ceil_mode) for n in shape[1:]]
            shape = (shape[0], *sizes)
    return math.prod(shape)
