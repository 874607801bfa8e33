"""Kata 45: a focal loss as an nn.Module, with reductions. See README.md in this folder."""

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

REDUCTIONS = ("none", "mean", "sum")


class FocalLoss(nn.Module):
    """Multi-class focal loss (Lin et al., 2017) from logits.

    FL = -alpha_t * (1 - p_t) ** gamma * log(p_t), where p_t is the softmax probability of
    each sample's TARGET class and alpha_t = alpha[target] (1 when alpha is None).

    FocalLoss(gamma=2.0, alpha=None, reduction="mean", ignore_index=-100)
    gamma: a float >= 0. gamma = 0 with alpha None is exactly F.cross_entropy.
    alpha: None, or per-class weights: a sequence or 1-D tensor of C floats >= 0. It is
    kept as a float32 buffer named `alpha` (None when not given), so .to(device) moves it.
    reduction: "none", "mean" or "sum".
    ignore_index: targets equal to it contribute 0 and are not counted by "mean".
    Raises ValueError if reduction is not one of the three, gamma < 0, or alpha is not
    1-D or has a negative entry. The module has no parameters.
    """

    def __init__(
        self,
        gamma: float = 2.0,
        alpha: Sequence[float] | Tensor | None = None,
        reduction: str = "mean",
        ignore_index: int = -100,
    ) -> None:
        """Check and keep the settings; alpha becomes the buffer `alpha`."""
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma}")
        if alpha is not None:
            alpha = torch.as_tensor(alpha, dtype=torch.float32).detach().clone()
            if alpha.dim() != 1 or bool((alpha < 0).any()):
                raise ValueError(f"alpha must be 1-D and >= 0, got {alpha}")
        self.gamma = float(gamma)
        self.reduction = reduction
        self.ignore_index = ignore_index
        self.register_buffer("alpha", alpha)

    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        """The focal loss of a batch.

        logits: (N, C) float32 or float64, any strides (a transposed view is fine).
        targets: (N,) long, each in [0, C) or equal to ignore_index.
        log(p_t) comes from log_softmax (never log of softmax), so no logit is too large:
        the loss and its gradients stay finite for every gamma >= 0, even where p_t
        rounds to exactly 1 or 0. Returns, in the dtype of logits:
        "none": (N,), 0 at ignored targets; "sum": the 0-d sum; "mean": the 0-d sum
        divided by the number of non-ignored targets (NaN when every target is ignored,
        as F.cross_entropy gives), not by the sum of their alpha weights as
        F.cross_entropy(weight=...) divides. logits and targets are not modified.
        Raises ValueError if logits is not 2-D, targets is not 1-D of length N, or alpha
        has not C entries.
        """
        if logits.dim() != 2:
            raise ValueError(f"logits must be (N, C), got shape {tuple(logits.shape)}")
        n, c = logits.shape
        if targets.shape != (n,):
            raise ValueError(f"targets must be ({n},) for logits {tuple(logits.shape)}")
        if self.alpha is not None and self.alpha.numel() != c:
            raise ValueError(f"alpha has {self.alpha.numel()} entries for {c} classes")
        keep = targets != self.ignore_index  # (N,)
        safe_targets = torch.where(keep, targets, torch.zeros_like(targets))
        log_p = F.log_softmax(logits, dim=1)  # (N, C), stable for any logits
        log_pt = log_p.gather(1, safe_targets.unsqueeze(1)).squeeze(1)  # (N,)
        if self.gamma == 0:
            focal = torch.ones_like(log_pt)
        else:
            one_minus = -torch.expm1(log_pt)  # 1 - p_t, accurate when p_t is near 1
            # (1 - p_t) ** gamma has an infinite slope at 0 for gamma < 1: take the power
            # only where it is positive, so that no inf * 0 = NaN reaches the gradient
            positive = one_minus > 0
            base = torch.where(positive, one_minus, torch.ones_like(one_minus))
            focal = torch.where(positive, base**self.gamma, torch.zeros_like(one_minus))
        loss = -focal * log_pt
        if self.alpha is not None:
            loss = self.alpha.to(loss.dtype)[safe_targets] * loss
        loss = torch.where(keep, loss, torch.zeros_like(loss))
        if self.reduction == "none":
            return loss
        if self.reduction == "sum":
            return loss.sum()
        return loss.sum() / keep.sum()
