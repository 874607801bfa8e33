"""Mistake: alpha weights the hard-label term and (1 - alpha) the soft term.

Every sweep over alpha then means the opposite of what the documentation (and the
config) says.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "alpha weights the wrong term"
REJECTED_BY = "test_distillation_loss_combines_the_two_terms_by_alpha"

solution = solution_for(__file__)


def distillation_loss(student_logits, teacher_logits, targets, temperature, alpha):
    if not 0 <= alpha <= 1:
        raise ValueError("alpha must be in [0, 1]")
    soft = solution.distillation_kl(student_logits, teacher_logits, temperature)
    return (1 - alpha) * soft + alpha * F.cross_entropy(student_logits, targets)
