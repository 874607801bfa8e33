"""Mistake: the learning rate inside the momentum buffer (buf = momentum * buf + lr * g).

With a constant lr this equals PyTorch's update, but when a scheduler changes lr the old
steps stay in the buffer at their old size: PyTorch keeps lr outside, p -= lr * buf.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "learning rate inside the buffer"
REJECTED_BY = "test_sgd_equals_torch_over_many_steps"

solution = solution_for(__file__)


class SGD(solution.SGD):
    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is None:
                    continue
                g = p.grad + self.weight_decay * p
                if self.momentum == 0:
                    p.sub_(self.lr * g)
                    continue
                buf = self.buffers.get(id(p))
                if buf is None:
                    buf = self.buffers[id(p)] = self.lr * g
                else:
                    buf.mul_(self.momentum).add_(self.lr * g)
                p.sub_(buf + self.momentum * buf if self.nesterov else buf)
