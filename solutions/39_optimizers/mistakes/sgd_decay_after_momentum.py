"""Mistake: weight decay added after the momentum, p -= lr * (buf + weight_decay * p).

PyTorch adds weight_decay * p to the gradient before it enters the buffer, so the decay is
also carried by the momentum.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "weight decay added after the momentum"
REJECTED_BY = "test_sgd_equals_torch_over_many_steps"

solution = solution_for(__file__)


class SGD(solution.SGD):
    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is None:
                    continue
                g = p.grad
                if self.momentum != 0:
                    buf = self.buffers.get(id(p))
                    if buf is None:
                        buf = self.buffers[id(p)] = g.clone()
                    else:
                        buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                    g = g + self.momentum * buf if self.nesterov else buf
                p.sub_(self.lr * (g + self.weight_decay * p))
