"""Mistake: similarities multiplied by the temperature instead of divided.

A small temperature should sharpen the softmax; multiplying flattens it, so every tuned
temperature means the opposite.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "temperature multiplied"
REJECTED_BY = "test_nt_xent_equals_a_double_loop"

solution = solution_for(__file__)


def nt_xent(z1, z2, temperature):
    solution._check_pair(z1, z2, temperature, "z1 and z2")
    n = z1.shape[0]
    logits = solution.cosine_similarity_matrix(torch.cat([z1, z2])) * temperature
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z1.device), float("-inf"))
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z1.device)
    return F.cross_entropy(logits, positives)
