"""Kata 16: loss functions from scratch, and F.ctc_loss's shapes. See README.md in this folder."""

import torch
import torch.nn.functional as F
from torch import Tensor

REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def mse_loss(pred: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error, like F.mse_loss(pred, target, reduction=reduction).

    pred, target: floating point, same shape (any, 0-d included), same device.
    reduction: "mean" (over every element), "sum", or "none" (pred's shape).
    Raises ValueError for any other reduction. Do not call F.mse_loss or nn.MSELoss.
    """
    _check_reduction(reduction)
    return _reduce((pred - target) ** 2, reduction)


def bce_with_logits(logits: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on logits, like F.binary_cross_entropy_with_logits.

    logits: floating point, any shape; target: same shape, values in [0, 1] (soft labels
    allowed). Must stay finite, with torch's gradients, for logits as large as +-1000.
    reduction as in mse_loss; ValueError for any other. Do not call torch's BCE functions,
    F.logsigmoid or F.softplus.
    """
    _check_reduction(reduction)
    # -t log s(x) - (1 - t) log(1 - s(x)) = max(x, 0) - x t + log(1 + exp(-|x|)):
    # exp only ever sees a non-positive number, so nothing overflows
    loss = logits.clamp(min=0) - logits * target + torch.log1p(torch.exp(-logits.abs()))
    return _reduce(loss, reduction)


def cross_entropy(logits: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Cross-entropy of class logits against class indices, like F.cross_entropy.

    logits: (N, C) floating point; target: (N,) long, values in [0, C).
    Must stay finite, with torch's gradients, for logits as large as +-1000.
    reduction as in mse_loss ("none" gives (N,)); ValueError for any other.
    Do not call F.cross_entropy, F.nll_loss or any log_softmax.
    """
    _check_reduction(reduction)
    # log sum exp(z) = m + log sum exp(z - m): the largest term becomes exp(0) = 1
    # (shifting first also keeps float32 precision: 1000 + log 2 would round)
    shifted = logits - logits.max(dim=1, keepdim=True).values  # (N, C), each row's max is 0
    lse = torch.log(torch.exp(shifted).sum(dim=1))  # (N,)
    picked = shifted.gather(1, target.unsqueeze(1)).squeeze(1)  # (N,) the true class
    return _reduce(lse - picked, reduction)


def ctc_loss(
    logits: Tensor, targets: Tensor, input_lengths: Tensor, target_lengths: Tensor
) -> Tensor:
    """The CTC loss of each sequence, using F.ctc_loss correctly.

    logits: (B, T, C) raw, unnormalised scores from a batch-first model, class 0 = blank;
    targets: (B, S) long, padded, labels in [1, C); input_lengths: (B,) long, each <= T;
    target_lengths: (B,) long, each <= S. Returns (B,): the negative log-likelihood of each
    sequence's target (F.ctc_loss with reduction="none"). Here you may call F.ctc_loss.
    """
    log_probs = F.log_softmax(logits, dim=-1)  # normalise over the classes
    # ctc_loss wants time first: (T, B, C)
    return F.ctc_loss(
        log_probs.transpose(0, 1),
        targets,
        input_lengths,
        target_lengths,
        blank=0,
        reduction="none",
    )


def bce(probs: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on probabilities, like F.binary_cross_entropy / nn.BCELoss.

    probs: floating point, any shape, values in [0, 1]: probabilities (a sigmoid's output),
    not logits. target: same shape, dtype and device, values in [0, 1]. Like torch, clamps
    each log term (log(p) and log(1 - p)) at -100 before weighting it, so probabilities of
    exactly 0 and 1 give a finite loss (100 for a confident mistake); its gradient equals
    torch's for probabilities between 1e-6 and 1 - 1e-6. Raises ValueError when a
    probability lies outside [0, 1] (logits passed by mistake), and for an unknown
    reduction (as in mse_loss). Do not call torch's BCE functions or nn.BCELoss.
    """
    _check_reduction(reduction)
    # a data-dependent check (it reads the values): torch's own kernel refuses these too
    if bool(((probs < 0) | (probs > 1)).any()):
        raise ValueError(
            "bce expects probabilities in [0, 1] (got values outside): pass sigmoid(logits), "
            "or better, the logits themselves to bce_with_logits"
        )
    # clamp each log term before weighting it: at p = 0 (or 1) the log is -inf, and
    # target * -inf would be NaN where target is 0; clamped, a confident mistake costs 100
    log_p = torch.log(probs).clamp(min=-100)
    log_not_p = torch.log1p(-probs).clamp(min=-100)  # log(1 - p), precise for small p
    loss = -(target * log_p + (1 - target) * log_not_p)
    return _reduce(loss, reduction)
