"""Mistake: lengths counted after padding, as the number of tokens not equal to pad_value.

A real token can equal the pad value (token 0 is often a real word id too); only the length
of each item before padding is its true length.
"""

import torch

CAUGHT_BY = "lengths taken after padding"
REJECTED_BY = "test_rows_are_right_padded_with_pad_value"


def pad_collate(batch, pad_value=0):
    if not batch:
        raise ValueError("empty batch")
    for seq, _ in batch:
        if seq.dim() != 1:
            raise ValueError("tokens must be 1-D")
    device = batch[0][0].device
    t_max = max(len(seq) for seq, _ in batch)
    tokens = torch.full((len(batch), t_max), pad_value, dtype=torch.long, device=device)
    for i, (seq, _) in enumerate(batch):
        tokens[i, : len(seq)] = seq
    lengths = (tokens != pad_value).sum(dim=1)
    labels = torch.tensor([label for _, label in batch], device=device)
    return tokens, lengths, labels
