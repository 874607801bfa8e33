"""Mistake: no check on the example's batch size.

With an example batch of 1 export specialises the batch dimension to 1 and fails with a
constraint error; the docstring asks for a ValueError that says why.
"""

import torch
from torch.export import Dim

CAUGHT_BY = "no check that the example batch is at least 2"
REJECTED_BY = "test_an_example_batch_below_two_is_a_value_error"


def export_gate(model, example):
    was_training = model.training
    model.eval()
    try:
        batch = Dim("batch", min=1)
        return torch.export.export(model, (example,), dynamic_shapes=({0: batch},))
    finally:
        model.train(was_training)
