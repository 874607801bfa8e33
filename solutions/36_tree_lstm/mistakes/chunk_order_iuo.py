"""Mistake: the W_iou outputs split as i, u, o instead of i, o, u.

The weights are then used for the wrong gates: a model loading weights trained with the
stated layout computes something else.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "chunk order"
REJECTED_BY = "test_cell_follows_the_equations"

solution = solution_for(__file__)


class ChildSumTreeLSTMCell(solution.ChildSumTreeLSTMCell):
    def forward(self, x, child_h, child_c):
        h_sum = child_h.sum(dim=0)
        i, u, o = torch.chunk(self.W_iou(x) + self.U_iou(h_sum), 3, dim=-1)
        i, o, u = torch.sigmoid(i), torch.sigmoid(o), torch.tanh(u)
        f = torch.sigmoid(self.W_f(x) + self.U_f(child_h))
        c = i * u + (f * child_c).sum(dim=0)
        return o * torch.tanh(c), c
