"""Mistake: exporting without model.eval().

The program then keeps dropout active and normalises with each batch's own statistics:
its outputs are random and differ from the model's at inference.
"""

import torch
from torch.export import Dim

CAUGHT_BY = "exported in training mode"
REJECTED_BY = "test_exported_program_is_right_on_both_branches_at_other_batch_sizes"


def export_gate(model, example):
    if example.dim() != 2 or example.shape[0] < 2:
        raise ValueError("the example must be (B, dim) with B >= 2")
    return torch.export.export(model, (example,), dynamic_shapes=({0: Dim("batch", min=1)},))
