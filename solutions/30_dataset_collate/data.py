"""Kata 30: a Dataset of variable-length sequences and a padding collate_fn. See README.md."""

import torch
from torch import Tensor
from torch.utils.data import Dataset


class SequenceDataset(Dataset):
    """A map-style dataset of token sequences of different lengths, each with a class label.

    sequences: a list of N non-empty lists of int token ids; labels: a list of N ints.
    Item i is `(tokens, label)`: tokens a 1-D torch.long tensor (CPU) holding sequences[i],
    label the Python int labels[i]. len(dataset) is N.
    Raises ValueError in __init__ (not later, when an item is read) if the two lists differ
    in length or any sequence is empty. The caller's lists are not changed.
    """

    def __init__(self, sequences: list[list[int]], labels: list[int]) -> None:
        if len(sequences) != len(labels):
            raise ValueError(
                f"got {len(sequences)} sequences but {len(labels)} labels: need one label each"
            )
        for i, seq in enumerate(sequences):
            if len(seq) == 0:
                raise ValueError(f"sequence {i} is empty: every sequence needs at least one token")
        # copies: later changes to the caller's lists do not reach the dataset
        self.sequences = [list(seq) for seq in sequences]
        self.labels = [int(label) for label in labels]

    def __len__(self) -> int:
        """The number of (sequence, label) pairs."""
        return len(self.sequences)

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        """(tokens, label): tokens a 1-D torch.long tensor, label a Python int."""
        return torch.tensor(self.sequences[index], dtype=torch.long), self.labels[index]


def pad_collate(
    batch: list[tuple[Tensor, int]], pad_value: int = 0
) -> tuple[Tensor, Tensor, Tensor]:
    """Pad a list of dataset items into one batch (a DataLoader collate_fn).

    batch: B >= 1 items `(tokens, label)`, tokens a 1-D integer tensor of length L_i,
    all on one device. Returns `(tokens, lengths, labels)`, all torch.long on that device:
      tokens  (B, T_max): row i holds item i's tokens in columns 0..L_i-1 (right padding)
              and pad_value in every later column; T_max = max L_i.
      lengths (B,): L_i, the real length of item i (counted before padding).
      labels  (B,): item i's label.
    Row i of every output is item i of `batch`: the batch order is kept, never sorted.
    The items are not changed. Raises ValueError if batch is empty or a tokens tensor is
    not 1-D.
    """
    if len(batch) == 0:
        raise ValueError("pad_collate got an empty batch: a batch needs at least one item")
    for i, (seq, _) in enumerate(batch):
        if seq.dim() != 1:
            raise ValueError(
                f"item {i} has tokens of shape {tuple(seq.shape)}: expected a 1-D tensor"
            )
    device = batch[0][0].device
    # the real lengths, read before padding (a real token may equal pad_value)
    lengths = torch.tensor([len(seq) for seq, _ in batch], dtype=torch.long, device=device)
    tokens = torch.full(
        (len(batch), int(lengths.max())), pad_value, dtype=torch.long, device=device
    )  # (B, T_max)
    for i, (seq, _) in enumerate(batch):
        tokens[i, : len(seq)] = seq  # right padding: real tokens first
    labels = torch.tensor([label for _, label in batch], dtype=torch.long, device=device)
    return tokens, lengths, labels
