"""Mistake: pick() fills torch.zeros(B, T) in a loop.

torch.zeros without dtype= is float32, so float64 logits come back float32.
"""

import torch

CAUGHT_BY = "without dtype="
REJECTED_BY = "test_pick_keeps_float64_and_reads_non_contiguous_logits"


def pick(logits, targets):
    b, t = targets.shape
    out = torch.zeros(b, t, device=logits.device)
    for i in range(b):
        for j in range(t):
            out[i, j] = logits[i, j, targets[i, j]]
    return out
