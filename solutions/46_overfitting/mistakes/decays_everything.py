"""Mistake: AdamW(model.parameters(), lr, weight_decay=wd), one group for everything.

Biases and normalisation parameters are decayed towards 0 too: it buys no regularisation
(they do not add capacity) and can hurt, e.g. LayerNorm's scale shrinking.
"""

import torch

CAUGHT_BY = "biases and LayerNorm are decayed too"
REJECTED_BY = "test_weight_decay_goes_on_the_weight_matrices_only"


def make_optimizer(model, lr, weight_decay):
    if lr <= 0 or weight_decay < 0:
        raise ValueError("need lr > 0 and weight_decay >= 0")
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
