"""Mistake: nesterov=True accepted but the update is plain momentum.

Nesterov's update looks ahead along the buffer: g + momentum * buf, not buf.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "nesterov=True ignored"
REJECTED_BY = "test_sgd_equals_torch_over_many_steps"

solution = solution_for(__file__)


class SGD(solution.SGD):
    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is None:
                    continue
                g = p.grad + self.weight_decay * p
                if self.momentum != 0:
                    buf = self.buffers.get(id(p))
                    if buf is None:
                        buf = self.buffers[id(p)] = g.clone()
                    else:
                        buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                    g = buf
                p.sub_(self.lr * g)
