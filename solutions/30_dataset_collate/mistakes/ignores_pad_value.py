"""Mistake: pad_collate always pads with 0 and ignores its pad_value argument.

pad_sequence's default padding_value is 0; forgetting to pass pad_value on is easy, and
a model whose pad id is not 0 then reads padding as real tokens.
"""

import torch
from torch.nn.utils.rnn import pad_sequence

CAUGHT_BY = "ignoring pad_value"
REJECTED_BY = "test_rows_are_right_padded_with_pad_value"


def pad_collate(batch, pad_value=0):
    if not batch:
        raise ValueError("empty batch")
    for seq, _ in batch:
        if seq.dim() != 1:
            raise ValueError("tokens must be 1-D")
    seqs = [seq for seq, _ in batch]
    device = seqs[0].device
    tokens = pad_sequence(seqs, batch_first=True)  # padding_value defaults to 0
    lengths = torch.tensor([len(s) for s in seqs], device=device)
    labels = torch.tensor([label for _, label in batch], device=device)
    return tokens, lengths, labels
