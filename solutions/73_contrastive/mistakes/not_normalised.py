"""Mistake: raw dot products z @ z.T instead of cosine similarities.

Embeddings with large norms then dominate every softmax, and the network can lower the
loss by growing its outputs rather than aligning the views.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "not normalised"
REJECTED_BY = "test_nt_xent_equals_a_double_loop"

solution = solution_for(__file__)


def nt_xent(z1, z2, temperature):
    solution._check_pair(z1, z2, temperature, "z1 and z2")
    n = z1.shape[0]
    z = torch.cat([z1, z2])
    logits = (z @ z.T / temperature).masked_fill(
        torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf")
    )
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)
    return F.cross_entropy(logits, positives)
