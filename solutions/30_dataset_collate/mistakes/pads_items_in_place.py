"""Mistake: pad_collate grows each item to the batch length in place, then stacks them.

resize_ and a write into the item change the caller's tensors (a dataset that keeps its
tensors hands out padded, wrong items from then on); the batch must be a new tensor.
"""

import torch

CAUGHT_BY = "the items must not change"
REJECTED_BY = "test_edge_batches"


def pad_collate(batch, pad_value=0):
    if not batch:
        raise ValueError("empty batch")
    for seq, _ in batch:
        if seq.dim() != 1:
            raise ValueError("tokens must be 1-D")
    device = batch[0][0].device
    lengths = torch.tensor([len(seq) for seq, _ in batch], dtype=torch.long, device=device)
    t_max = int(lengths.max())
    for seq, _ in batch:
        n = len(seq)
        seq.resize_(t_max)  # numpy's a.resize habit: grows the caller's tensor
        seq[n:] = pad_value
    tokens = torch.stack([seq for seq, _ in batch]).long()
    labels = torch.tensor([label for _, label in batch], dtype=torch.long, device=device)
    return tokens, lengths, labels
