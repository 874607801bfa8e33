"""Mistake: SmallCNN's signature defaults to p=0.2 instead of the documented p=0.5.

Every call that leaves p out gets a weaker dropout than the docstring promises.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "expected the default p=0.5"
REJECTED_BY = "test_dropout_probability_defaults_to_half"


class SmallCNN(solution.SmallCNN):
    def __init__(self, in_channels, num_classes, p=0.2):
        super().__init__(in_channels, num_classes, p)
