"""Mistake: reading get_worker_info().id without checking for None.

In the main process (no DataLoader, or num_workers=0) get_worker_info() returns None, so
iterating the dataset directly crashes with AttributeError.
"""

from torch.utils.data import IterableDataset, get_worker_info

CAUGHT_BY = "get_worker_info() is None"
REJECTED_BY = "test_main_process_yields_every_record_in_order"


class ShardedStream(IterableDataset):
    def __init__(self, records):
        self.records = records

    def __iter__(self):
        info = get_worker_info()
        for i in range(info.id, len(self.records), info.num_workers):
            yield self.records[i]
