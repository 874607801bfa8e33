"""Mistake: SequenceDataset checks for an empty sequence in __getitem__, when the item is read.

The error then comes mid-epoch, inside a DataLoader worker, far from the data that caused
it; the docstring asks for the check when the dataset is built.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "not validating its sequences up front"
REJECTED_BY = "test_empty_sequence_raises_value_error_when_built"


class SequenceDataset(solution.SequenceDataset):
    def __init__(self, sequences, labels):
        if len(sequences) != len(labels):
            raise ValueError(f"got {len(sequences)} sequences but {len(labels)} labels")
        self.sequences = [list(seq) for seq in sequences]
        self.labels = [int(label) for label in labels]

    def __getitem__(self, index):
        if len(self.sequences[index]) == 0:
            raise ValueError(f"sequence {index} is empty")
        return super().__getitem__(index)
