"""Mistake: the hinge losses summed over the batch instead of averaged.

The loss (and every gradient) then grows with the batch size, so the learning rate that
works depends on B.
"""

import torch

CAUGHT_BY = "summed"
REJECTED_BY = "test_margin_ranking_loss_equals_the_formula"


def margin_ranking_loss(pos_scores, neg_scores, margin):
    return torch.clamp(margin - pos_scores + neg_scores, min=0).sum()
