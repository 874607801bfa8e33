"""Mistake: InfoNCE on keys @ queries.T (a softmax over queries for each key).

The one-directional loss is no longer the query-to-key one that was asked for.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "transposed logits"
REJECTED_BY = "test_info_nce_equals_a_double_loop"

solution = solution_for(__file__)


def info_nce(queries, keys, temperature):
    solution._check_pair(queries, keys, temperature, "queries and keys")
    logits = F.normalize(keys, dim=1) @ F.normalize(queries, dim=1).T / temperature
    return F.cross_entropy(logits, torch.arange(queries.shape[0], device=queries.device))
