"""Mistake: mlp_sequential() raises for len(sizes) <= 2, an off-by-one in the size check.

Two sizes are the smallest MLP the docstring allows (one Linear, no ReLU); only fewer than
two sizes are an error.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "off-by-one check"
REJECTED_BY = "test_sequential_of_two_sizes_is_one_linear"


def mlp_sequential(sizes):
    if len(sizes) <= 2:
        raise ValueError(f"an MLP needs at least two sizes (in and out), got {sizes}")
    return solution.mlp_sequential(sizes)
