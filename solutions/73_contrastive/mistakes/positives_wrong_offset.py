"""Mistake: targets for interleaved views (k ^ 1) while the views are stacked [z1; z2].

Code copied from an implementation that interleaves [a1, b1, a2, b2, ...] pairs rows 0
and 1, 2 and 3, ...: with stacked views those are two different samples of the same view.
With one pair the two layouts agree, so a test on N = 1 cannot see it.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "wrong diagonal offset"
REJECTED_BY = "test_nt_xent_equals_a_double_loop"

solution = solution_for(__file__)


def nt_xent(z1, z2, temperature):
    solution._check_pair(z1, z2, temperature, "z1 and z2")
    n = z1.shape[0]
    logits = solution.cosine_similarity_matrix(torch.cat([z1, z2])) / temperature
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z1.device), float("-inf"))
    positives = torch.arange(2 * n, device=z1.device) ^ 1
    return F.cross_entropy(logits, positives)
