"""Mistake: the children's cells summed without forget gates.

c = i * u + sum_k c_k lets the cell grow with every level of the tree and ignores W_f and U_f.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "without forget gates"
REJECTED_BY = "test_cell_follows_the_equations"

solution = solution_for(__file__)


class ChildSumTreeLSTMCell(solution.ChildSumTreeLSTMCell):
    def forward(self, x, child_h, child_c):
        h_sum = child_h.sum(dim=0)
        i, o, u = torch.chunk(self.W_iou(x) + self.U_iou(h_sum), 3, dim=-1)
        i, o, u = torch.sigmoid(i), torch.sigmoid(o), torch.tanh(u)
        c = i * u + child_c.sum(dim=0)
        return o * torch.tanh(c), c
