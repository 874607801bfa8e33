"""Mistake: dist.barrier() to check that every rank is alive.

A plain barrier waits for the process group's whole timeout and then fails without naming
the rank that never came.
"""

import torch.distributed as dist

CAUGHT_BY = "plain dist.barrier()"
REJECTED_BY = "test_hung_ranks_is_empty_when_every_rank_arrives"


def hung_ranks(timeout_s):
    dist.barrier()
    return []
