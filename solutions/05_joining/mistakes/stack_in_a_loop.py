"""Mistake: stack_samples() grows the batch one sample at a time with torch.cat.

Right values, but each step copies the whole batch built so far: quadratic copying.
"""

import torch

CAUGHT_BY = "quadratic copying"
REJECTED_BY = "test_stack_samples_makes_one_joining_call_for_fifty_samples"


def stack_samples(samples):
    if not samples:
        raise ValueError("empty")
    out = samples[0][None].clone()
    for s in samples[1:]:
        out = torch.cat([out, s[None]])
    return out
