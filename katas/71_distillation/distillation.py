"""Kata 71: the knowledge-distillation loss with temperature. See README.md in this folder."""

from torch import Tensor


def _check_logits(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> None:
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if student_logits.dim() != 2 or student_logits.shape != teacher_logits.shape:
        raise ValueError(
            f"student_logits {tuple(student_logits.shape)} and teacher_logits "
            f"{tuple(teacher_logits.shape)} must both be (B, C), the same shape"
        )


def soft_targets(teacher_logits: Tensor, temperature: float) -> Tensor:
    """The teacher's softened probabilities softmax(teacher_logits / T) over the last dim.

    teacher_logits: (B, C) float. Returns (B, C), rows summing to 1, same dtype and device,
    cut from the graph (requires_grad False even when teacher_logits requires grad: the
    teacher is not trained by distillation). Stable for any finite logits.
    teacher_logits is not modified. Raises ValueError when temperature <= 0.
    """
    # TODO: a softmax at temperature T, cut from the teacher's graph
    raise NotImplementedError("TODO: soft_targets(teacher_logits, temperature)")


def distillation_kl(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """T^2 * KL(p_teacher || p_student) at temperature T, averaged over the batch.

    student_logits, teacher_logits: (B, C) float, the same shape. With
    p_t = softmax(teacher_logits / T) and log p_s = log_softmax(student_logits / T),
    returns the 0-d tensor  T^2 / B * sum_i sum_c p_t[i, c] * (log p_t[i, c] - log p_s[i, c])
    (reduction 'batchmean': summed over classes, divided by B; not a mean over B * C).
    The T^2 keeps the gradient's size roughly independent of T. Exact and finite for any
    finite logits (log_softmax, never log(softmax)). Gradients reach student_logits only:
    none flows into teacher_logits. Neither input is modified. Raises ValueError when
    temperature <= 0 or the shapes are not both (B, C) and equal.
    """
    # TODO: log_softmax of the student at T, the teacher's distribution at T (no grad),
    # F.kl_div with the right reduction, times T ** 2
    raise NotImplementedError("TODO: distillation_kl(student_logits, teacher_logits, temperature)")


def distillation_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    targets: Tensor,
    temperature: float,
    alpha: float,
) -> Tensor:
    """Hinton's distillation loss: alpha * soft term + (1 - alpha) * hard-label term.

    student_logits, teacher_logits: (B, C) float; targets: (B,) long class indices.
    Returns the 0-d tensor
        alpha * distillation_kl(student_logits, teacher_logits, temperature)
        + (1 - alpha) * cross_entropy(student_logits, targets)
    where the cross-entropy uses the student's logits at temperature 1 and its mean over
    the batch. No gradient flows into teacher_logits; no input is modified. Raises
    ValueError when alpha is outside [0, 1], temperature <= 0, or the logits' shapes
    differ.
    """
    # TODO: check alpha, then alpha * the soft term + (1 - alpha) * cross-entropy at T = 1
    raise NotImplementedError(
        "TODO: distillation_loss(student_logits, teacher_logits, targets, temperature, alpha)"
    )
