"""Mistake: Adam stores `params` as given and loops over it in step() and zero_grad().

model.parameters() is a generator: the first loop over it empties it, and every later
step updates nothing.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "read twice from the generator"
REJECTED_BY = "test_adam_trains_a_model_like_torch"

solution = solution_for(__file__)


class Adam(solution.Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__([], lr, betas, eps, weight_decay)
        self.params = params


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)
        self.decoupled = True
