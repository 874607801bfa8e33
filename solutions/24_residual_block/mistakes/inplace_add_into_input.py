"""Mistake: `out = self.shortcut(x); out += main`, adding in place into the shortcut's output.

For an identity shortcut that output is the caller's x, which gets overwritten.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_forward_does_not_modify_input"


class ResidualBlock(solution.ResidualBlock):
    def forward(self, x):
        main = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        out = self.shortcut(x)
        out += main
        return F.relu(out)
