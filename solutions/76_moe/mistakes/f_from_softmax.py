"""Mistake: f_i taken from the softmax (the same as P_i), so the loss is E * sum P_i^2.

The Switch loss multiplies the HARD fraction of assignments by the soft probability; with
f = P it no longer measures how the tokens are actually dispatched.
"""

import torch

CAUGHT_BY = "f_i from the softmax"
REJECTED_BY = "test_load_balancing_loss_equals_the_formula"


def load_balancing_loss(logits, experts):
    p = torch.softmax(logits, dim=1).mean(dim=0)
    return logits.shape[1] * (p * p).sum()
