"""Mistake: conv_output_shape returns a list, not the tuple the docstring promises.

A list compares unequal to a tuple (`[8, 16] != (8, 16)`) and cannot be a dict key or be
compared with a tensor's .shape.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "expected a tuple"
REJECTED_BY = "test_conv_output_shape_returns_a_tuple_and_leaves_its_arguments_alone"


def conv_output_shape(input_shape, conv):
    return list(solution_for(__file__).conv_output_shape(input_shape, conv))
