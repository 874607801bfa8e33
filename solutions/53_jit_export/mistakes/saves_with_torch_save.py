"""Mistake: torch.save(program, path) instead of torch.export.save.

It pickles the Python object: torch.export.load cannot read the file, and torch.load with
weights_only=True refuses it.
"""

import torch

CAUGHT_BY = "saving with torch.save"
REJECTED_BY = "test_saved_file_is_read_by_torch_export_load"


def save_exported(program, path):
    torch.save(program, path)
