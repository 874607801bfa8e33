"""Mistake: masked_tanh() returns torch.where(mask, torch.tanh(x), 0.0), arguments swapped.

torch.where takes (condition, value if True, value if False): this keeps tanh where the
mask is True and zeroes everything else, the opposite of what was asked.
"""

import torch

CAUGHT_BY = "torch.where's arguments swapped"
REJECTED_BY = "test_masked_tanh_backward_works_and_matches"


def masked_tanh(x, mask):
    return torch.where(mask, torch.tanh(x), 0.0)
