"""Mistake: torch.optim.Adam with weight_decay, thought to be the same as AdamW.

Adam adds weight_decay * p to the gradient (L2) and then rescales it per parameter, so
large-gradient weights are barely decayed; AdamW decouples the decay from the gradient.
"""

import torch

CAUGHT_BY = "AdamW decouples the decay"
REJECTED_BY = "test_weight_decay_goes_on_the_weight_matrices_only"


def make_optimizer(model, lr, weight_decay):
    if lr <= 0 or weight_decay < 0:
        raise ValueError("need lr > 0 and weight_decay >= 0")
    trainable = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in trainable if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in trainable if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.Adam(groups, lr=lr)
