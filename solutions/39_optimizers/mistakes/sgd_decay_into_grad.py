"""Mistake: weight decay written into p.grad in place (p.grad.add_(p, alpha=wd)).

The numbers of the step are right, but the caller's gradient is changed: a gradient
logged, clipped or accumulated afterwards is no longer the one backward() computed.
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
                g = p.grad.add_(p, alpha=self.weight_decay)
                if self.momentum != 0:
                    buf = self.buffers.get(id(p))
                    if buf is None:
                        buf = self.buffers[id(p)] = g.clone()
                    else:
                        buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                    g = g + self.momentum * buf if self.nesterov else buf
                p.sub_(self.lr * g)
