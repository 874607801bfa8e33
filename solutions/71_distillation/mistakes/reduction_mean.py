"""Mistake: F.kl_div(..., reduction='mean') (the default).

'mean' divides by B * C, not by B: the loss is C times too small. torch 2.14 warns about
exactly this (a UserWarning, an error in this repository), so the warning catches it.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "'batchmean' divides only by the batch size"
REJECTED_BY = "test_distillation_kl_equals_the_formula"

solution = solution_for(__file__)


def distillation_kl(student_logits, teacher_logits, temperature):
    solution._check_logits(student_logits, teacher_logits, temperature)
    log_p_student = F.log_softmax(student_logits / temperature, dim=-1)
    log_p_teacher = F.log_softmax(teacher_logits.detach() / temperature, dim=-1)
    kl = F.kl_div(log_p_student, log_p_teacher, reduction="mean", log_target=True)
    return kl * temperature**2
