"""Mistake: type(obj) is torch.Tensor.

nn.Parameter (and every other Tensor subclass) is missed: leaked parameters, or a leak of
subclassed tensors, never shows.
"""

import gc

import torch

CAUGHT_BY = "misses subclasses"
REJECTED_BY = "test_parameters_count_as_tensors"


def count_live_tensors():
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is torch.Tensor)
