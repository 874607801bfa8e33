"""Mistake: the student's softmax (probabilities) passed as F.kl_div's input.

F.kl_div expects log-probabilities as its input; with probabilities it computes a number
that is not a divergence at all (it can be negative), and training still runs.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "softmax instead of log_softmax"
REJECTED_BY = "test_distillation_kl_equals_the_formula"

solution = solution_for(__file__)


def distillation_kl(student_logits, teacher_logits, temperature):
    solution._check_logits(student_logits, teacher_logits, temperature)
    p_student = F.softmax(student_logits / temperature, dim=-1)
    p_teacher = F.softmax(teacher_logits.detach() / temperature, dim=-1)
    return F.kl_div(p_student, p_teacher, reduction="batchmean") * temperature**2
