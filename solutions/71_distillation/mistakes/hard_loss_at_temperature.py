"""Mistake: the hard-label cross-entropy on the softened student logits (student / T).

The true labels' term belongs at temperature 1, where the student will be used.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "student's logits at T = 1"
REJECTED_BY = "test_distillation_loss_combines_the_two_terms_by_alpha"

solution = solution_for(__file__)


def distillation_loss(student_logits, teacher_logits, targets, temperature, alpha):
    if not 0 <= alpha <= 1:
        raise ValueError("alpha must be in [0, 1]")
    soft = solution.distillation_kl(student_logits, teacher_logits, temperature)
    hard = F.cross_entropy(student_logits / temperature, targets)
    return alpha * soft + (1 - alpha) * hard
