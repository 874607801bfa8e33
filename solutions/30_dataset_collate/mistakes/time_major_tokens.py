"""Mistake: pad_collate calls pad_sequence without batch_first=True.

pad_sequence's default layout is (T_max, B), time first, for the old RNN convention; the
docstring (and a batch_first model) wants (B, T_max), one row per item.
"""

import torch
from torch.nn.utils.rnn import pad_sequence

CAUGHT_BY = "batch_first=True"
REJECTED_BY = "test_rows_are_right_padded_with_pad_value"


def pad_collate(batch, pad_value=0):
    if not batch:
        raise ValueError("empty batch")
    for seq, _ in batch:
        if seq.dim() != 1:
            raise ValueError("tokens must be 1-D")
    seqs = [seq.long() for seq, _ in batch]
    device = seqs[0].device
    tokens = pad_sequence(seqs, padding_value=pad_value)  # (T_max, B)
    lengths = torch.tensor([len(s) for s in seqs], device=device)
    labels = torch.tensor([label for _, label in batch], device=device)
    return tokens, lengths, labels
