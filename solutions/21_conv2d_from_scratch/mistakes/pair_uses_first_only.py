"""Mistake: turning an (h, w) setting into a pair with (value[0], value[0]).

The int form works, but a non-square stride, padding or dilation applies its height
value to the width too, so the output has the wrong width.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "height settings"
REJECTED_BY = "test_each_setting_on_its_own"


def _pair(value):
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[0]))


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return solution.conv2d(x, weight, bias, _pair(stride), _pair(padding), _pair(dilation))
