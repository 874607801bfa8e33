"""Mistake: concat_batches() joins in a loop, out = torch.cat([out, b]).

Right values, but every step copies everything joined so far again: for 50 batches that is
50 calls and quadratic copying, where one torch.cat(batches) copies each row once.
"""

import torch

CAUGHT_BY = "quadratic copying"
REJECTED_BY = "test_concat_batches_calls_cat_once_for_fifty_batches"


def concat_batches(batches):
    if not batches:
        raise ValueError("empty")
    out = batches[0][:0]  # no rows yet, the right trailing shape
    for b in batches:
        out = torch.cat([out, b])
    return out
