"""Mistake: torch.log(F.softmax(student / T)) instead of F.log_softmax(student / T).

Equal for moderate logits, but a class the student gives almost no probability underflows
to log(0) = -inf, and the loss becomes inf or NaN.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "use F.log_softmax"
REJECTED_BY = "test_distillation_kl_is_exact_at_extreme_logits"

solution = solution_for(__file__)


def distillation_kl(student_logits, teacher_logits, temperature):
    solution._check_logits(student_logits, teacher_logits, temperature)
    log_p_student = torch.log(F.softmax(student_logits / temperature, dim=-1))
    p_teacher = F.softmax(teacher_logits.detach() / temperature, dim=-1)
    return F.kl_div(log_p_student, p_teacher, reduction="batchmean") * temperature**2
