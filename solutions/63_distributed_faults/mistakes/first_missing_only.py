"""Mistake: monitored_barrier without wait_all_ranks=True.

Rank 0 then stops at the first missing rank: with several hung ranks, only one is named.
"""

import datetime

import torch.distributed as dist

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "wait_all_ranks=True"
REJECTED_BY = "test_hung_ranks_is_empty_when_every_rank_arrives"


def hung_ranks(timeout_s):
    try:
        dist.monitored_barrier(timeout=datetime.timedelta(seconds=timeout_s))
    except RuntimeError as err:
        found = solution._MISSING.search(str(err))
        if dist.get_rank() != 0 or found is None:
            raise
        return sorted(int(r) for r in found.group(1).split(","))
    return []
