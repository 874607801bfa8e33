"""Mistake: SequenceDataset converts the caller's sequences to tensors in place.

Converting once in __init__ rather than in every __getitem__ is a fine idea, but writing
the tensors back into the caller's list changes data the caller still holds (and may reuse
for another dataset, or save).
"""

import torch
from torch.utils.data import Dataset

CAUGHT_BY = "changed the caller's sequences"
REJECTED_BY = "test_dataset_leaves_callers_lists_unchanged"


class SequenceDataset(Dataset):
    def __init__(self, sequences, labels):
        if len(sequences) != len(labels):
            raise ValueError("need one label per sequence")
        for i, seq in enumerate(sequences):
            if len(seq) == 0:
                raise ValueError(f"sequence {i} is empty")
            sequences[i] = torch.tensor(seq, dtype=torch.long)  # into the caller's list
        self.sequences = sequences
        self.labels = [int(label) for label in labels]

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, index):
        return self.sequences[index].clone(), self.labels[index]
