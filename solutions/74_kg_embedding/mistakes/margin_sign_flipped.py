"""Mistake: the hinge max(0, margin + pos_score - neg_score), the distance form fed scores.

With d = -score the loss is max(0, margin + d(pos) - d(neg)); writing the same letters with
scores flips the sign, so training pushes true triples down and negatives up.
"""

import torch

CAUGHT_BY = "sign is flipped"
REJECTED_BY = "test_margin_ranking_loss_equals_the_formula"


def margin_ranking_loss(pos_scores, neg_scores, margin):
    return torch.clamp(margin + pos_scores - neg_scores, min=0).mean()
