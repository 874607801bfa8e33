"""Mistake: the softmax written out as exp(s) / exp(s).sum().

Fine at temperature 0.5; at 0.005 the similarities / tau reach 200 and exp overflows to
inf (inf / inf = NaN), exactly when a tuned small temperature is used.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "overflowed"
REJECTED_BY = "test_nt_xent_is_stable_for_small_temperatures"

solution = solution_for(__file__)


def nt_xent(z1, z2, temperature):
    solution._check_pair(z1, z2, temperature, "z1 and z2")
    n = z1.shape[0]
    sim = torch.exp(solution.cosine_similarity_matrix(torch.cat([z1, z2])) / temperature)
    sim = sim * (1 - torch.eye(2 * n, dtype=sim.dtype, device=sim.device))
    idx = torch.arange(2 * n, device=sim.device)
    positive = sim[idx, (idx + n) % (2 * n)]
    return -(positive / sim.sum(dim=1)).log().mean()
