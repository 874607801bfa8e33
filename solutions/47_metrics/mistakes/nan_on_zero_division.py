"""Mistake: precision = tp / predicted with no rule for 0 / 0.

A class that is never predicted gets precision NaN, and NaN poisons every average after
it; the documented convention is 0.0 (sklearn's zero_division=0).
"""

import torch

CAUGHT_BY = "zero division"
REJECTED_BY = "test_per_class_scores_equal_hand_formulas"


def per_class_scores(cm):
    counts = cm.to(torch.float64)
    tp = counts.diagonal()
    precision = tp / counts.sum(dim=0)
    recall = tp / counts.sum(dim=1)
    f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1
