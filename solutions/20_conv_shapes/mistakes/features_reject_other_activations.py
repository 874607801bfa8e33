"""Mistake: flattened_features knows only ReLU, BatchNorm and Dropout and raises on anything else.

The docstring allows any shape-keeping layer (activations, BatchNorm, Dropout): Tanh, GELU,
LeakyReLU, Dropout2d and Identity all pass the shape through unchanged.
"""

from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "shape-keeping layer"
REJECTED_BY = "test_flattened_features_reads_each_dim_and_passes_any_shape_keeping_layer"
solution = solution_for(__file__)
KNOWN = (
    *solution.CONVS,
    *solution.POOLS,
    nn.ReLU,
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.Dropout,
)


def flattened_features(input_shape, layers):
    for layer in layers:
        if not isinstance(layer, KNOWN):
            raise TypeError(f"unsupported layer {type(layer).__name__}")
    return solution.flattened_features(input_shape, layers)
