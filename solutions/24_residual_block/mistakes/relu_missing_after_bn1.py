"""Mistake: forward goes conv1, bn1, conv2 with no ReLU between bn1 and conv2.

Without it the two convolutions (and their BatchNorms) collapse to one linear map: the
block has one non-linearity, at the end, instead of two.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the ReLU between bn1 and conv2"
REJECTED_BY = "test_forward_matches_reference"


class ResidualBlock(solution.ResidualBlock):
    def forward(self, x):
        out = self.bn2(self.conv2(self.bn1(self.conv1(x))))
        return F.relu(out + self.shortcut(x))
