"""Mistake: the first momentum buffer is p.grad itself (buf = g, no copy).

The next step updates buf in place, which silently rewrites the gradient tensor handed
over at the first step (and, when .grad is reused, the gradient itself).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "was changed afterwards"
REJECTED_BY = "test_sgd_equals_torch_over_many_steps"

solution = solution_for(__file__)


class SGD(solution.SGD):
    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is None:
                    continue
                g = p.grad
                if self.weight_decay != 0:
                    g = g + self.weight_decay * p
                if self.momentum != 0:
                    buf = self.buffers.get(id(p))
                    if buf is None:
                        buf = self.buffers[id(p)] = g  # no clone
                    else:
                        buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                    g = g + self.momentum * buf if self.nesterov else buf
                p.sub_(self.lr * g)
