"""Kata 47: classification metrics from scratch, logged to TensorBoard. See README.md."""

from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor, nn


def _check_labels(y_true: Tensor, y_pred: Tensor) -> None:
    """The checks every metric shares: two 1-D integer tensors of one length N >= 1."""
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.dim() != 1:
            raise ValueError(f"{name} must be 1-D (N,), got shape {tuple(y.shape)}")
        if y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool:
            raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}"
        )
    if len(y_true) == 0:
        raise ValueError("no samples: y_true and y_pred are empty")


def confusion_matrix(y_true: Tensor, y_pred: Tensor, num_classes: int) -> Tensor:
    """Count how often each true class was predicted as each class.

    y_true, y_pred: (N,) tensors of an integer dtype (int32 and int64 both work), N >= 1,
    on one device, every label in [0, num_classes). Neither is changed.
    Returns cm: (num_classes, num_classes) int64 on the labels' device, where cm[i, j] is
    the number of samples whose TRUE label is i and whose PREDICTED label is j: rows are
    true labels, columns are predictions (the layout of sklearn.metrics.confusion_matrix).
    Raises ValueError when y_true or y_pred is not 1-D, their lengths differ, N is 0, a
    dtype is floating point or bool, num_classes < 1, or a label is outside
    [0, num_classes).
    """
    _check_labels(y_true, y_pred)
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if bool((y < 0).any()) or bool((y >= num_classes).any()):
            raise ValueError(
                f"{name} holds labels outside [0, {num_classes}): min {int(y.min())}, "
                f"max {int(y.max())}"
            )
    # one bin per (true, predicted) pair, in row-major order: bin = true * C + predicted
    pairs = y_true.long() * num_classes + y_pred.long()  # (N,) int64
    counts = torch.bincount(pairs, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)  # (C, C) int64, rows = true labels


def accuracy(y_true: Tensor, y_pred: Tensor) -> float:
    """The fraction of samples whose prediction equals the true label, as a Python float.

    y_true, y_pred: (N,) integer tensors (int32 or int64), N >= 1, not changed.
    Raises ValueError when either is not 1-D, their lengths differ, or N is 0.
    """
    _check_labels(y_true, y_pred)
    return (y_true == y_pred).sum().item() / len(y_true)


def type_errors(y_true: Tensor, y_pred: Tensor) -> tuple[int, int]:
    """The two kinds of error of a binary classifier, counted: (type I, type II).

    y_true, y_pred: (N,) integer tensors (int32 or int64) of binary labels, 1 = positive
    and 0 = negative, N >= 1, not changed.
    Type I errors are false positives (predicted 1, truly 0: a false alarm); type II errors
    are false negatives (predicted 0, truly 1: a miss). Returns two Python ints.
    Raises ValueError as accuracy does, and when a label is neither 0 nor 1.
    """
    cm = confusion_matrix(y_true, y_pred, 2)  # checks shapes and that labels are 0 or 1
    false_positives, false_negatives = cm[0, 1].item(), cm[1, 0].item()
    return false_positives, false_negatives


def _safe_divide(numerator: Tensor, denominator: Tensor) -> Tensor:
    """numerator / denominator, and 0.0 where the denominator is 0 (never NaN)."""
    safe = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
    return torch.where(denominator == 0, torch.zeros_like(numerator), numerator / safe)


def per_class_scores(cm: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Precision, recall and F1 of every class, from a confusion matrix.

    cm: (C, C) integer counts, rows = true labels, columns = predictions (the layout
    confusion_matrix returns); not changed.
    precision[c] = cm[c, c] / cm[:, c].sum(): of the samples predicted c, the fraction
    truly c. recall[c] = cm[c, c] / cm[c, :].sum(): of the samples truly c, the fraction
    predicted c. f1[c] = 2 * precision[c] * recall[c] / (precision[c] + recall[c]).
    Zero division gives 0.0, never NaN: the precision of a class never predicted, the
    recall of a class that never occurs, and the F1 of a class whose precision and recall
    are both 0 are all 0.0 (sklearn's zero_division=0).
    Returns (precision, recall, f1): three (C,) float64 tensors on cm's device.
    """
    counts = cm.to(torch.float64)
    true_positives = counts.diagonal()  # (C,)
    predicted = counts.sum(dim=0)  # (C,) column sums: how often each class was predicted
    actual = counts.sum(dim=1)  # (C,) row sums: how often each class truly occurs
    precision = _safe_divide(true_positives, predicted)
    recall = _safe_divide(true_positives, actual)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    return precision, recall, f1


def precision_recall_f1(
    y_true: Tensor, y_pred: Tensor, num_classes: int, average: str = "macro"
) -> tuple[float, float, float]:
    """Precision, recall and F1 of a classifier, averaged over classes as `average` says.

    y_true, y_pred, num_classes: as for confusion_matrix (nothing is changed).
    average="binary": num_classes must be 2; the scores of class 1, the positive class.
    average="macro": the plain mean over ALL num_classes classes of per_class_scores'
    precision, recall and F1 (a class absent from both y_true and y_pred counts, with
    scores 0.0). Macro F1 is the mean of the per-class F1, not the F1 of macro precision
    and macro recall.
    average="micro": pool the counts of all classes, then divide: precision = sum of true
    positives / sum of predictions, recall = sum of true positives / sum of true labels,
    F1 from those two. With one label per sample, all three equal the accuracy.
    Returns three Python floats (precision, recall, f1).
    Raises ValueError for any other average, for "binary" with num_classes != 2, and
    whenever confusion_matrix raises.
    """
    if average not in ("binary", "macro", "micro"):
        raise ValueError(f'average must be "binary", "macro" or "micro", got {average!r}')
    if average == "binary" and num_classes != 2:
        raise ValueError(f'average="binary" needs num_classes == 2, got {num_classes}')
    cm = confusion_matrix(y_true, y_pred, num_classes)
    if average == "micro":
        # pool first: every sample is one prediction and one true label, so the pooled
        # denominators are both N and precision = recall = trace / N (the accuracy)
        true_positives, n = cm.diagonal().sum().item(), cm.sum().item()
        precision, recall = true_positives / n, true_positives / n
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
        return precision, recall, f1
    precision, recall, f1 = per_class_scores(cm)
    if average == "binary":
        return precision[1].item(), recall[1].item(), f1[1].item()
    return precision.mean().item(), recall.mean().item(), f1.mean().item()


def train_and_log(
    model: nn.Module,
    batches: list[tuple[Tensor, Tensor]],
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    log_dir: str | Path,
) -> list[float]:
    """Train one step per batch and log each step's loss and accuracy to TensorBoard.

    batches: a list of (inputs, targets); targets are (B,) int64 class labels and
    model(inputs) gives logits (B, C). For batch i (0-based), in order: clear the
    gradients, forward, loss = loss_fn(logits, targets), backward, optimizer.step().
    Log with one torch.utils.tensorboard.SummaryWriter(log_dir=log_dir):
    "train/loss" = the loss as a Python float (loss.item(), never the tensor) and
    "train/accuracy" = accuracy(targets, logits.argmax(dim=1)) of the same forward (before
    the step), both with add_scalar at global_step=i. Close the writer before returning:
    close() flushes the events to disk and stops the writer's thread. Nothing is written
    outside log_dir. The batches are not changed.
    Returns the losses as Python floats, in batch order.
    """
    # imported here: tensorboard takes time to import and only this function needs it
    from torch.utils.tensorboard import SummaryWriter

    losses = []
    with SummaryWriter(log_dir=str(log_dir)) as writer:  # __exit__ calls close()
        for step, (inputs, targets) in enumerate(batches):
            optimizer.zero_grad()
            logits = model(inputs)  # (B, C)
            loss = loss_fn(logits, targets)
            loss.backward()
            optimizer.step()
            value = loss.item()  # a float: no graph, no device memory kept
            losses.append(value)
            writer.add_scalar("train/loss", value, global_step=step)
            writer.add_scalar(
                "train/accuracy", accuracy(targets, logits.argmax(dim=1)), global_step=step
            )
    return losses
