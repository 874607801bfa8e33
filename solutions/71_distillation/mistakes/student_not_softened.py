"""Mistake: only the teacher's logits are divided by T; the student's are not.

The student is then pulled towards a softened copy of the teacher at its own temperature
1, which is a different target from Hinton's: both distributions are softened.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "student's logits not divided by T"
REJECTED_BY = "test_distillation_kl_equals_the_formula"

solution = solution_for(__file__)


def distillation_kl(student_logits, teacher_logits, temperature):
    solution._check_logits(student_logits, teacher_logits, temperature)
    log_p_student = F.log_softmax(student_logits, dim=-1)
    log_p_teacher = F.log_softmax(teacher_logits.detach() / temperature, dim=-1)
    kl = F.kl_div(log_p_student, log_p_teacher, reduction="batchmean", log_target=True)
    return kl * temperature**2
