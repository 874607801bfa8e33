"""Mistake: reconstruction_loss sums the squared errors (reduction='sum').

The loss and its gradient grow with the batch size and the width, so a learning rate
tuned for one batch size is wrong for another; Adam hides it, SGD does not.
"""

import torch

CAUGHT_BY = "summed over every element"
REJECTED_BY = "test_loss_is_the_mean_over_every_element"


def reconstruction_loss(reconstruction, target):
    if reconstruction.shape != target.shape:
        raise ValueError("shapes differ")
    return torch.nn.functional.mse_loss(reconstruction, target, reduction="sum")
