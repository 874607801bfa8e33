"""Mistake: SequenceDataset.__getitem__ builds the tokens with torch.Tensor(seq).

torch.Tensor (capital T) is the float32 constructor: the token ids come back as floats,
which an embedding lookup refuses.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "capital T"
REJECTED_BY = "test_items_are_long_tensors_and_int_labels"


class SequenceDataset(solution.SequenceDataset):
    def __getitem__(self, index):
        return torch.Tensor(self.sequences[index]), self.labels[index]
