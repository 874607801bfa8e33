"""Mistake: Adam's weight_decay applied the decoupled way (p *= 1 - lr * weight_decay).

That is AdamW. torch.optim.Adam(weight_decay=...) adds weight_decay * p to the gradient.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the weight decay decoupled"
REJECTED_BY = "test_adam_equals_torch_over_many_steps"

solution = solution_for(__file__)


class Adam(solution.Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, betas, eps, weight_decay)
        self.decoupled = True
