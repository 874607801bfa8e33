"""Mistake: dist.barrier() to check that every rank is alive.

A plain barrier waits for the process group's whole timeout and then fails without naming
the rank that never came.
"""

import torch.distributed as dist

CAUGHT_BY = "plain dist.barrier()"


def hung_ranks(timeout_s):
    dist.barrier()
    return []
