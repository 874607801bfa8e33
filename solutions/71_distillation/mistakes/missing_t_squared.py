"""Mistake: the soft term without the T^2 factor.

The soft term's gradient then falls as 1/T^2: raising the temperature silently shrinks
its weight against the hard-label term, and alpha no longer means what it says.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "T^2 factor is missing"
REJECTED_BY = "test_distillation_kl_equals_the_formula"

solution = solution_for(__file__)


def distillation_kl(student_logits, teacher_logits, temperature):
    solution._check_logits(student_logits, teacher_logits, temperature)
    log_p_student = F.log_softmax(student_logits / temperature, dim=-1)
    p_teacher = F.softmax(teacher_logits.detach() / temperature, dim=-1)
    return F.kl_div(log_p_student, p_teacher, reduction="batchmean")
