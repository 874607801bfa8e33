"""Mistake: torch.load(path, weights_only=False) to read a .pt2 file.

A .pt2 archive is not a pickle: torch.load cannot read it (and weights_only=False would
run any code a pickle holds).
"""

import torch

CAUGHT_BY = "reading it with torch.load"
REJECTED_BY = "test_load_reads_what_torch_export_save_wrote"


def load_exported(path):
    return torch.load(path, weights_only=False)
