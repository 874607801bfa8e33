"""Mistake: stack_samples() returns samples[0].unsqueeze(0) for a single sample.

A shortcut that skips the copy: the result is a view of the caller's sample, so writing
to the batch writes to the sample.
"""

import torch

CAUGHT_BY = "returned a view of the first sample"
REJECTED_BY = "test_stack_samples_copies_and_leaves_samples_alone"


def stack_samples(samples):
    if not samples:
        raise ValueError("empty")
    if len(samples) == 1:
        return samples[0].unsqueeze(0)
    return torch.stack(samples, dim=0)
