"""Mistake: torch.save(program, path) instead of torch.export.save.

It pickles the Python object: torch.export.load cannot read the file, and torch.load with
weights_only=True refuses it.
"""

import torch

CAUGHT_BY = "saving with torch.save"


def save_exported(program, path):
    torch.save(program, path)
