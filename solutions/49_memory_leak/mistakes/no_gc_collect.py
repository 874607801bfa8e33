"""Mistake: counting without gc.collect() first.

A tensor inside an unreachable reference cycle stays listed until the collector happens
to run, so the count depends on when it last ran: not deterministic.
"""

import gc

import torch

CAUGHT_BY = "no gc.collect()"


def count_live_tensors():
    return sum(1 for obj in gc.get_objects() if issubclass(type(obj), torch.Tensor))
