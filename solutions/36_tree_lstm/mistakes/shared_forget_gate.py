"""Mistake: one forget gate for all children, computed from h_sum.

The Child-Sum Tree-LSTM has a forget gate per child, f_k from that child's own h_k, so a
node can keep one subtree's memory and drop another's.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "one forget gate per child"
REJECTED_BY = "test_cell_follows_the_equations"

solution = solution_for(__file__)


class ChildSumTreeLSTMCell(solution.ChildSumTreeLSTMCell):
    def forward(self, x, child_h, child_c):
        h_sum = child_h.sum(dim=0)
        i, o, u = torch.chunk(self.W_iou(x) + self.U_iou(h_sum), 3, dim=-1)
        i, o, u = torch.sigmoid(i), torch.sigmoid(o), torch.tanh(u)
        f = torch.sigmoid(self.W_f(x) + self.U_f(h_sum))
        c = i * u + f * child_c.sum(dim=0)
        return o * torch.tanh(c), c
