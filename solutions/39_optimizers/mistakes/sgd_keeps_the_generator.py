"""Mistake: SGD stores `params` as given and loops over it at every step.

model.parameters() is a generator: the first step empties it, and every later step
updates nothing.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "read twice from the generator"
REJECTED_BY = "test_sgd_trains_a_model_like_torch"

solution = solution_for(__file__)


class SGD(solution.SGD):
    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__([], lr, momentum, dampening, weight_decay, nesterov)
        self.params = params
