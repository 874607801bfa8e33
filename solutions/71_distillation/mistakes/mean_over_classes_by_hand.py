"""Mistake: the KL written by hand with .mean() over the (B, C) elements.

The same wrong reduction as F.kl_div's 'mean', without the warning: the loss is divided
by B * C instead of B, so it is C times too small and shrinks as classes are added.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "use reduction='batchmean'"
REJECTED_BY = "test_distillation_kl_equals_the_formula"

solution = solution_for(__file__)


def distillation_kl(student_logits, teacher_logits, temperature):
    solution._check_logits(student_logits, teacher_logits, temperature)
    log_p_student = F.log_softmax(student_logits / temperature, dim=-1)
    log_p_teacher = F.log_softmax(teacher_logits.detach() / temperature, dim=-1)
    kl = (log_p_teacher.exp() * (log_p_teacher - log_p_student)).mean()
    return kl * temperature**2
