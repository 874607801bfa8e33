"""Mistake: AdamW implemented as Adam with weight decay added to the gradient.

That is L2 regularisation: the decay goes through the moments and is normalised away.
AdamW decouples it: p = p * (1 - lr * weight_decay), the gradient untouched.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "weight decay added to the gradient (L2"
REJECTED_BY = "test_adamw_equals_torch_over_many_steps"

solution = solution_for(__file__)


class AdamW(solution.Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)
