"""Mistake: each head is Sequential(Linear, ReLU), so the logits pass through a ReLU.

Logits must be free to go negative; after a ReLU a class can never score below zero, and
cross-entropy on them trains badly.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "a ReLU after each head"
REJECTED_BY = "test_multihead_forward_matches_reference"


class MultiHead(solution.MultiHead):
    def forward(self, x):
        h = self.trunk(x)
        return {name: F.relu(head(h)) for name, head in self.heads.items()}
