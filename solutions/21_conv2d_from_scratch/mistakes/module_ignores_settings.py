"""Mistake: Conv2d.forward calls conv2d(x, self.weight, self.bias) and drops the settings.

The module stores stride, padding and dilation but convolves with the defaults: the
shapes and values differ from nn.Conv2d's for any non-default setting.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "does not pass its own"
REJECTED_BY = "test_module_matches_nn_conv2d_state_dict"
solution = solution_for(__file__)


class Conv2d(solution.Conv2d):
    def forward(self, x):
        return solution.conv2d(x, self.weight, self.bias)
