"""Mistake: the iterator is made once in __init__ and __iter__ returns it.

An iterator is exhausted after one pass: the second epoch yields nothing.
"""

from torch.utils.data import IterableDataset

CAUGHT_BY = "made once in __init__"
REJECTED_BY = "test_every_iteration_starts_afresh"


class ShardedStream(IterableDataset):
    def __init__(self, records):
        self.records = records
        self._it = iter(records)

    def __iter__(self):
        return self._it
