"""Mistake: the in-place update p.sub_(...) outside torch.no_grad().

A parameter is a leaf that requires grad; autograd refuses in-place changes to it while
recording, so step() raises.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "torch.no_grad()"
REJECTED_BY = "test_sgd_equals_torch_over_many_steps"

solution = solution_for(__file__)


class SGD(solution.SGD):
    def step(self):
        for p in self.params:
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p
            if self.momentum != 0:
                buf = self.buffers.get(id(p))
                if buf is None:
                    buf = self.buffers[id(p)] = g.detach().clone()
                else:
                    buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                g = g + self.momentum * buf if self.nesterov else buf
            p.sub_(self.lr * g)
