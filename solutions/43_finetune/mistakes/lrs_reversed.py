"""Mistake: the first stage (nearest the input) gets head_lr, and rates shrink towards the head.

Layer-wise decay is the other way round: general low-level features change least, the new
head most.
"""

CAUGHT_BY = "the order is reversed"
REJECTED_BY = "test_layerwise_lrs_shrink_by_decay_per_stage"


def layerwise_lrs(head_lr, decay, stages):
    if not stages:
        raise ValueError("stages is empty")
    if head_lr <= 0 or not 0 < decay <= 1:
        raise ValueError("need head_lr > 0 and 0 < decay <= 1")
    return {stage: head_lr * decay**k for k, stage in enumerate(stages)}
