"""Kata 30: a Dataset of variable-length sequences and a padding collate_fn. See README.md."""

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
        # TODO: validate both lists up front, then keep what __getitem__ needs
        raise NotImplementedError("TODO: SequenceDataset.__init__")

    def __len__(self) -> int:
        """The number of (sequence, label) pairs."""
        # TODO: the number of sequences
        raise NotImplementedError("TODO: SequenceDataset.__len__")

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        """(tokens, label): tokens a 1-D torch.long tensor, label a Python int."""
        # TODO: torch.tensor(..., dtype=torch.long) for the tokens
        raise NotImplementedError("TODO: SequenceDataset.__getitem__")


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
    # TODO: lengths before padding, a (B, T_max) tensor full of pad_value, copy each row in
    raise NotImplementedError("TODO: pad_collate(batch, pad_value)")
