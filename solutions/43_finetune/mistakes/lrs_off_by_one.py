"""Mistake: stage k of n gets head_lr * decay ** (n - k), one factor too many.

The head then trains at head_lr * decay instead of head_lr.
"""

CAUGHT_BY = "exponent off by one"
REJECTED_BY = "test_layerwise_lrs_shrink_by_decay_per_stage"


def layerwise_lrs(head_lr, decay, stages):
    if not stages:
        raise ValueError("stages is empty")
    if head_lr <= 0 or not 0 < decay <= 1:
        raise ValueError("need head_lr > 0 and 0 < decay <= 1")
    n = len(stages)
    return {stage: head_lr * decay ** (n - k) for k, stage in enumerate(stages)}
