"""Mistake: model.eval() before export, and the caller's model left in eval mode.

Whoever keeps training the model after exporting it trains without dropout and with frozen
batch-norm statistics, and nothing says so.
"""

import torch
from torch.export import Dim

CAUGHT_BY = "without restoring the caller's training mode"
REJECTED_BY = "test_export_leaves_the_callers_model_as_it_was"


def export_gate(model, example):
    if example.dim() != 2 or example.shape[0] < 2:
        raise ValueError("the example must be (B, dim) with B >= 2")
    model.eval()
    return torch.export.export(model, (example,), dynamic_shapes=({0: Dim("batch", min=1)},))
