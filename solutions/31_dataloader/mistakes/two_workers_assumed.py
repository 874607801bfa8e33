"""Mistake: sharding for two workers only, records[info.id::2].

Right for num_workers=2, the only count the candidate tried; with 1 worker half the
records are lost, with 3 the third worker repeats the first one's records.
"""

from torch.utils.data import IterableDataset, get_worker_info

CAUGHT_BY = "worker count assumed"
REJECTED_BY = "test_workers_yield_every_record_exactly_once"


class ShardedStream(IterableDataset):
    def __init__(self, records):
        self.records = records

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            yield from self.records
            return
        yield from self.records[info.id % 2 :: 2]
