"""Mistake: SequenceDataset stores its lists without validating them.

Mismatched lists and empty sequences then fail late, in a worker or deep in the model,
instead of with a clear ValueError where the dataset is built.
"""

import torch
from torch.utils.data import Dataset

CAUGHT_BY = "expected ValueError, but it returned"
REJECTED_BY = "test_mismatched_labels_raise_value_error"


class SequenceDataset(Dataset):
    def __init__(self, sequences, labels):
        self.sequences = sequences
        self.labels = labels

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, index):
        return torch.tensor(self.sequences[index], dtype=torch.long), self.labels[index]
