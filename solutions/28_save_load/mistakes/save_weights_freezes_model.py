"""Mistake: save_weights() calls model.requires_grad_(False) so that no autograd state is saved.

That switches off training for the caller's model (its parameters stop receiving
gradients); the state_dict's tensors are detached already, there was nothing to strip.
"""

import torch

CAUGHT_BY = "turned off requires_grad"
REJECTED_BY = "test_weights_round_trip"


def save_weights(path, model):
    model.requires_grad_(False)
    torch.save(model.state_dict(), path)
