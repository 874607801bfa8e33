"""Mistake: SGD written as a subclass of torch.optim.SGD, whose step() does the work.

The numbers are right, but torch's step() computes the update: the kata asks for the
momentum buffer and the update rule by hand.
"""

import torch

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_sgd_equals_torch_over_many_steps"


class SGD(torch.optim.SGD):
    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(
            params,
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )

    @property
    def lr(self):
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        for group in self.param_groups:
            group["lr"] = value
