"""Mistake: P computed from logits.detach(), as if the loss were only a metric.

The value is right, but no gradient reaches the router: adding the loss to the task loss
changes nothing and the router never balances.
"""

import torch

CAUGHT_BY = "never balances"
REJECTED_BY = "test_load_balancing_loss_gradient_reaches_the_logits"


def load_balancing_loss(logits, experts):
    num_experts = logits.shape[1]
    counts = torch.bincount(experts.flatten(), minlength=num_experts).to(logits.dtype)
    f = counts / experts.numel()
    p = torch.softmax(logits.detach(), dim=1).mean(dim=0)
    return num_experts * (f * p).sum()
