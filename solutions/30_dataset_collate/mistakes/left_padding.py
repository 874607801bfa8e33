"""Mistake: pad_collate pads on the left, so the real tokens sit at the end of each row.

The usual convention, and what `lengths` and pack_padded_sequence assume, is right padding:
row i holds its tokens in columns 0..L_i-1.
"""

import torch

CAUGHT_BY = "left-padded"
REJECTED_BY = "test_rows_are_right_padded_with_pad_value"


def pad_collate(batch, pad_value=0):
    if not batch:
        raise ValueError("empty batch")
    for seq, _ in batch:
        if seq.dim() != 1:
            raise ValueError("tokens must be 1-D")
    device = batch[0][0].device
    lengths = torch.tensor([len(seq) for seq, _ in batch], device=device)
    t_max = int(lengths.max())
    tokens = torch.full((len(batch), t_max), pad_value, dtype=torch.long, device=device)
    for i, (seq, _) in enumerate(batch):
        tokens[i, t_max - len(seq) :] = seq
    labels = torch.tensor([label for _, label in batch], device=device)
    return tokens, lengths, labels
