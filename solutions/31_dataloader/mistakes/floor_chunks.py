"""Mistake: contiguous shares of len(records) // num_workers, dropping the remainder.

With 7 records and 2 workers each worker takes 3 and record 7 is never yielded; with more
workers than records every share is empty.
"""

from torch.utils.data import IterableDataset, get_worker_info

CAUGHT_BY = "lost"
REJECTED_BY = "test_workers_yield_every_record_exactly_once"


class ShardedStream(IterableDataset):
    def __init__(self, records):
        self.records = records

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            yield from self.records
            return
        per_worker = len(self.records) // info.num_workers
        start = info.id * per_worker
        yield from self.records[start : start + per_worker]
