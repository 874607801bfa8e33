"""Mistake: p.numel() for every parameter, DTensors included.

A sharded parameter's numel() is the full parameter's size: every rank seems to store the
whole model.
"""

CAUGHT_BY = "global size (p.numel())"
REJECTED_BY = "test_local_parameter_elements_counts_the_shard"


def local_parameter_elements(model):
    return sum(p.numel() for p in model.parameters())
