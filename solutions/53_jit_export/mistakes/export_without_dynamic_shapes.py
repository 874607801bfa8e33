"""Mistake: torch.export.export(model, (example,)) without dynamic_shapes.

Every size of the example becomes a constant: the program refuses any other batch size.
"""

import torch

CAUGHT_BY = "exported without dynamic_shapes"
REJECTED_BY = "test_exported_program_is_right_on_both_branches_at_other_batch_sizes"


def export_gate(model, example):
    if example.dim() != 2 or example.shape[0] < 2:
        raise ValueError("the example must be (B, dim) with B >= 2")
    was_training = model.training
    model.eval()
    try:
        return torch.export.export(model, (example,))
    finally:
        model.train(was_training)
