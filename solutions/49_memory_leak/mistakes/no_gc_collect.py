"""Mistake: counting without gc.collect() first.

A tensor inside an unreachable reference cycle stays listed until the collector happens
to run, so the count depends on when it last ran: not deterministic.
"""

import gc

import torch

CAUGHT_BY = "no gc.collect()"
REJECTED_BY = "test_tensors_in_a_freed_reference_cycle_are_not_counted"


def count_live_tensors():
    return sum(1 for obj in gc.get_objects() if issubclass(type(obj), torch.Tensor))
