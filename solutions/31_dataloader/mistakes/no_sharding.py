"""Mistake: ShardedStream ignores get_worker_info(), so every worker yields every record.

Each of n workers holds its own copy of the dataset and runs __iter__ on it: without
sharding the DataLoader returns every record n times.
"""

from torch.utils.data import IterableDataset

CAUGHT_BY = "duplicated"
REJECTED_BY = "test_workers_yield_every_record_exactly_once"


class ShardedStream(IterableDataset):
    def __init__(self, records):
        self.records = records

    def __iter__(self):
        yield from self.records
