"""Mistake: pad_collate returns the labels as a Python list instead of a LongTensor.

The default collate makes a tensor; a custom one must too, or cross_entropy(logits, labels)
fails in the training loop, far from the cause.
"""

import torch
from torch.nn.utils.rnn import pad_sequence

CAUGHT_BY = "labels as a list"
REJECTED_BY = "test_rows_are_right_padded_with_pad_value"


def pad_collate(batch, pad_value=0):
    if not batch:
        raise ValueError("empty batch")
    for seq, _ in batch:
        if seq.dim() != 1:
            raise ValueError("tokens must be 1-D")
    seqs = [seq for seq, _ in batch]
    tokens = pad_sequence(seqs, batch_first=True, padding_value=pad_value)
    lengths = torch.tensor([len(s) for s in seqs], device=seqs[0].device)
    return tokens, lengths, [label for _, label in batch]
