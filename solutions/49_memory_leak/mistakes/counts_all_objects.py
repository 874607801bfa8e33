"""Mistake: len(gc.get_objects()), every object the collector tracks.

Dicts, lists, frames and closures change with every line of Python: the count moves
without any tensor being made, so growth means nothing.
"""

import gc

CAUGHT_BY = "counting every object"
REJECTED_BY = "test_counts_tensors_and_nothing_else"


def count_live_tensors():
    gc.collect()
    return len(gc.get_objects())
