"""Mistake: pad_collate fills a torch.zeros((B, T_max)) + pad_value tensor, made without
dtype=.

torch.zeros defaults to float32: the tokens come back as floats, which nn.Embedding
refuses (it wants integer indices).
"""

import torch

CAUGHT_BY = "default to float32"
REJECTED_BY = "test_rows_are_right_padded_with_pad_value"


def pad_collate(batch, pad_value=0):
    if len(batch) == 0:
        raise ValueError("pad_collate got an empty batch")
    for i, (seq, _) in enumerate(batch):
        if seq.dim() != 1:
            raise ValueError(f"item {i} has tokens of shape {tuple(seq.shape)}")
    device = batch[0][0].device
    lengths = torch.tensor([len(seq) for seq, _ in batch], device=device)
    tokens = torch.zeros(len(batch), int(lengths.max()), device=device) + pad_value
    for i, (seq, _) in enumerate(batch):
        tokens[i, : len(seq)] = seq
    labels = torch.tensor([label for _, label in batch], device=device)
    return tokens, lengths, labels
