"""Mistake: the diagonal "masked" by setting it to 0 instead of -inf.

exp(0) = 1 still enters every denominator; the loss is biased, and the bias depends on the
temperature and the batch size.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "masked with 0, not -inf"
REJECTED_BY = "test_nt_xent_equals_a_double_loop"

solution = solution_for(__file__)


def nt_xent(z1, z2, temperature):
    solution._check_pair(z1, z2, temperature, "z1 and z2")
    n = z1.shape[0]
    logits = solution.cosine_similarity_matrix(torch.cat([z1, z2])) / temperature
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z1.device), 0.0)
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z1.device)
    return F.cross_entropy(logits, positives)
