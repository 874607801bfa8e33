"""Mistake: f_i = count_i / T, forgetting that each token makes k assignments.

The f_i then sum to k, not 1, and the auxiliary loss is k times the documented value
(its weight in the total loss silently changes with k).
"""

import torch

CAUGHT_BY = "divided by T instead of T * k"
REJECTED_BY = "test_load_balancing_loss_equals_the_formula"


def load_balancing_loss(logits, experts):
    num_experts = logits.shape[1]
    counts = torch.bincount(experts.flatten(), minlength=num_experts).to(logits.dtype)
    f = counts / logits.shape[0]
    p = torch.softmax(logits, dim=1).mean(dim=0)
    return num_experts * (f * p).sum()
