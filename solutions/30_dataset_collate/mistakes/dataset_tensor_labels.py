"""Mistake: SequenceDataset.__getitem__ returns the label as torch.tensor(label).

The docstring promises a Python int; a 0-d tensor per item is what pad_collate turns into
the labels tensor, and code comparing label == 3 gets a tensor instead of a bool.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "a tensor label"
REJECTED_BY = "test_items_are_long_tensors_and_int_labels"


class SequenceDataset(solution.SequenceDataset):
    def __getitem__(self, index):
        tokens, label = super().__getitem__(index)
        return tokens, torch.tensor(label)
