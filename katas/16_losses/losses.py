"""Kata 16: loss functions from scratch, and F.ctc_loss's shapes. See README.md in this folder."""

from torch import Tensor


def mse_loss(pred: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error, like F.mse_loss(pred, target, reduction=reduction).

    pred, target: floating point, same shape (any, 0-d included), same device.
    reduction: "mean" (over every element), "sum", or "none" (pred's shape).
    Raises ValueError for any other reduction. Do not call F.mse_loss or nn.MSELoss.
    """
    # TODO: squared differences, then reduce; reject unknown reductions
    raise NotImplementedError("TODO: mse_loss(pred, target, reduction)")


def bce_with_logits(logits: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on logits, like F.binary_cross_entropy_with_logits.

    logits: floating point, any shape; target: same shape, values in [0, 1] (soft labels
    allowed). Must stay finite, with torch's gradients, for logits as large as +-1000.
    reduction as in mse_loss; ValueError for any other. Do not call torch's BCE functions,
    F.logsigmoid or F.softplus.
    """
    # TODO: rewrite -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x)) so exp never overflows
    raise NotImplementedError("TODO: bce_with_logits(logits, target, reduction)")


def cross_entropy(logits: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Cross-entropy of class logits against class indices, like F.cross_entropy.

    logits: (N, C) floating point; target: (N,) long, values in [0, C).
    Must stay finite, with torch's gradients, for logits as large as +-1000.
    reduction as in mse_loss ("none" gives (N,)); ValueError for any other.
    Do not call F.cross_entropy, F.nll_loss or any log_softmax.
    """
    # TODO: log-sum-exp over the classes (shifted by the row max) minus the true class's logit
    raise NotImplementedError("TODO: cross_entropy(logits, target, reduction)")


def ctc_loss(
    logits: Tensor, targets: Tensor, input_lengths: Tensor, target_lengths: Tensor
) -> Tensor:
    """The CTC loss of each sequence, using F.ctc_loss correctly.

    logits: (B, T, C) raw, unnormalised scores from a batch-first model, class 0 = blank;
    targets: (B, S) long, padded, labels in [1, C); input_lengths: (B,) long, each <= T;
    target_lengths: (B,) long, each <= S. Returns (B,): the negative log-likelihood of each
    sequence's target (F.ctc_loss with reduction="none"). Here you may call F.ctc_loss.
    """
    # TODO: F.ctc_loss wants log-probabilities, time first
    raise NotImplementedError("TODO: ctc_loss(logits, targets, input_lengths, target_lengths)")


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
    # TODO: log(p) and log(1 - p), each clamped at -100, weighted by target and 1 - target
    raise NotImplementedError("TODO: bce(probs, target, reduction)")
