"""Mistake: h_sum taken over the children's cells (child_c) instead of their hidden states.

The gates read the children's h; c is the memory that only the forget gates pass on.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "summed over the children's c"
REJECTED_BY = "test_cell_follows_the_equations"

solution = solution_for(__file__)


class ChildSumTreeLSTMCell(solution.ChildSumTreeLSTMCell):
    def forward(self, x, child_h, child_c):
        h_sum = child_c.sum(dim=0)
        i, o, u = torch.chunk(self.W_iou(x) + self.U_iou(h_sum), 3, dim=-1)
        i, o, u = torch.sigmoid(i), torch.sigmoid(o), torch.tanh(u)
        f = torch.sigmoid(self.W_f(x) + self.U_f(child_h))
        c = i * u + (f * child_c).sum(dim=0)
        return o * torch.tanh(c), c
