"""Mistake: stack_samples() calls s.unsqueeze_(0) on each sample before torch.cat.

unsqueeze_ reshapes the caller's tensors in place: every sample is (1, C, L) afterwards.
"""

import torch

CAUGHT_BY = "s.unsqueeze_(0) reshapes it"
REJECTED_BY = "test_stack_samples_copies_and_leaves_samples_alone"


def stack_samples(samples):
    if not samples:
        raise ValueError("empty")
    return torch.cat([s.unsqueeze_(0) for s in samples], dim=0)
