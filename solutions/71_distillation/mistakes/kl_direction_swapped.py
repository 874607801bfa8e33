"""Mistake: F.kl_div with the arguments swapped: KL(p_student || p_teacher).

F.kl_div(input, target) computes KL(target || input) with input as log-probabilities;
the swapped call gives the reverse KL, mode-seeking instead of covering the teacher.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "direction is swapped"
REJECTED_BY = "test_distillation_kl_equals_the_formula"

solution = solution_for(__file__)


def distillation_kl(student_logits, teacher_logits, temperature):
    solution._check_logits(student_logits, teacher_logits, temperature)
    log_p_student = F.log_softmax(student_logits / temperature, dim=-1)
    log_p_teacher = F.log_softmax(teacher_logits.detach() / temperature, dim=-1)
    kl = F.kl_div(log_p_teacher, log_p_student, reduction="batchmean", log_target=True)
    return kl * temperature**2
