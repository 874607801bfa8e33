"""Mistake: the hand-written SGD wraps torch.optim.SGD.

The numbers are right, but the kata asks for the update rule itself.
"""

import torch

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_sgd_equals_torch_over_many_steps"


class SGD:
    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        self.params = list(params)
        self.lr = lr
        self._opt = torch.optim.SGD(
            self.params,
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )

    def step(self):
        self._opt.param_groups[0]["lr"] = self.lr
        self._opt.step()

    def zero_grad(self):
        self._opt.zero_grad()
