"""Mistake: isinstance(obj, torch.Tensor) on every object gc.get_objects() returns.

isinstance falls back to obj.__class__, and some objects compute it: torch.distributed's
deprecated reduce_op raises a FutureWarning (an error under warnings-as-errors).
"""

import gc

import torch

CAUGHT_BY = "isinstance(obj, torch.Tensor)"
REJECTED_BY = "test_count_live_tensors_raises_no_warning"


def count_live_tensors():
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, torch.Tensor))
