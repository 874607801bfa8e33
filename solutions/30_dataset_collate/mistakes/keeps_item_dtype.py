"""Mistake: pad_collate stacks the items with pad_sequence and keeps their dtype.

pad_sequence returns the dtype it is given: int32 (or int16) items give int32 tokens, while
the docstring promises torch.long, which nn.Embedding and the losses downstream expect.
"""

import torch
from torch.nn.utils.rnn import pad_sequence

CAUGHT_BY = "keeping the items' dtype"
REJECTED_BY = "test_other_integer_items_give_long_tensors"


def pad_collate(batch, pad_value=0):
    if not batch:
        raise ValueError("empty batch")
    for seq, _ in batch:
        if seq.dim() != 1:
            raise ValueError("tokens must be 1-D")
    seqs = [seq for seq, _ in batch]
    device = seqs[0].device
    tokens = pad_sequence(seqs, batch_first=True, padding_value=pad_value)  # items' dtype
    lengths = torch.tensor([len(s) for s in seqs], device=device)
    labels = torch.tensor([label for _, label in batch], device=device)
    return tokens, lengths, labels
