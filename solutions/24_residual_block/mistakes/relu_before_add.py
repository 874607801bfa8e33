"""Mistake: the last ReLU is applied to the main path before adding the shortcut.

relu(main) + shortcut(x) is not relu(main + shortcut(x)): outputs can be negative and the
block no longer matches ResNet.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "after the addition"
REJECTED_BY = "test_forward_matches_reference"


class ResidualBlock(solution.ResidualBlock):
    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return out + self.shortcut(x)
