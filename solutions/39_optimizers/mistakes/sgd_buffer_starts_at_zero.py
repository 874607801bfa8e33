"""Mistake: the momentum buffer starts at zeros and the first step is dampened too.

PyTorch's first step sets buf to a copy of g; only later steps use (1 - dampening) * g.
With dampening > 0 every step after differs.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "a buffer that starts at zeros"
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
                    buf = self.buffers.setdefault(id(p), torch.zeros_like(p))
                    buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                    g = g + self.momentum * buf if self.nesterov else buf
                p.sub_(self.lr * g)
