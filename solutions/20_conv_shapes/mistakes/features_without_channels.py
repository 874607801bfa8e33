"""Mistake: flattened_features multiplies the spatial sizes but forgets the channels.

After the stack each example is (C, *spatial); flatten gives C * prod(spatial) features.
"""

import math

from torchkatas.harness import solution_for

CAUGHT_BY = "the features are channels * every spatial size"
REJECTED_BY = "test_flattened_features_agrees_with_a_forward_pass"
solution = solution_for(__file__)


def flattened_features(input_shape, layers):
    shape = tuple(input_shape)
    for layer in layers:
        if isinstance(layer, solution.CONVS):
            shape = solution.conv_output_shape(shape, layer)
        elif isinstance(layer, solution.POOLS):
            dims = len(shape) - 1
            k = solution._per_dim(layer.kernel_size, dims)
            s = solution._per_dim(layer.stride, dims)
            p = solution._per_dim(layer.padding, dims)
            d = solution._per_dim(getattr(layer, "dilation", 1), dims)
            sizes = [
                solution.pool_output_size(*args, layer.ceil_mode)
                for args in zip(shape[1:], k, s, p, d, strict=True)
            ]
            shape = (shape[0], *sizes)
    return math.prod(shape[1:])
