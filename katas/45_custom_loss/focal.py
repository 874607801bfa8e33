"""Kata 45: a focal loss as an nn.Module, with reductions. See README.md in this folder."""

from collections.abc import Sequence

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
        # TODO: super().__init__(); check reduction, gamma and alpha; register_buffer("alpha", ...)
        raise NotImplementedError("TODO: FocalLoss.__init__")

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
        # TODO: check shapes; log p_t = log_softmax(logits).gather(target); 1 - p_t of the
        # TARGET class; (1 - p_t) ** gamma without inf * 0 where it is 0; alpha[target];
        # zero the ignored targets; reduce (mean over the counted targets)
        raise NotImplementedError("TODO: FocalLoss.forward")
