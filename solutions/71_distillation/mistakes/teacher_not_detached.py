"""Mistake: the teacher's logits are used without .detach().

When the teacher's logits come from a network (or require grad), backward() runs into the
teacher and fills its .grad: wasted work, and an optimizer over both nets moves the
teacher towards the student.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "teacher was not detached"
REJECTED_BY = "test_soft_targets_are_stable_and_cut_from_the_graph"

solution = solution_for(__file__)


def soft_targets(teacher_logits, temperature):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    return F.softmax(teacher_logits / temperature, dim=-1)


def distillation_kl(student_logits, teacher_logits, temperature):
    solution._check_logits(student_logits, teacher_logits, temperature)
    log_p_student = F.log_softmax(student_logits / temperature, dim=-1)
    log_p_teacher = F.log_softmax(teacher_logits / temperature, dim=-1)
    kl = F.kl_div(log_p_student, log_p_teacher, reduction="batchmean", log_target=True)
    return kl * temperature**2
