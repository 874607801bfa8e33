"""Kata 47: classification metrics from scratch, logged to TensorBoard. See README.md."""

from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor, nn


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
    # TODO: count (true, predicted) pairs: a row-major bin index true * C + pred and
    # torch.bincount(..., minlength=C * C), reshaped; validate the inputs first
    raise NotImplementedError("TODO: confusion_matrix(y_true, y_pred, num_classes)")


def accuracy(y_true: Tensor, y_pred: Tensor) -> float:
    """The fraction of samples whose prediction equals the true label, as a Python float.

    y_true, y_pred: (N,) integer tensors (int32 or int64), N >= 1, not changed.
    Raises ValueError when either is not 1-D, their lengths differ, or N is 0.
    """
    # TODO: the mean of (y_true == y_pred), returned with .item()
    raise NotImplementedError("TODO: accuracy(y_true, y_pred)")


def type_errors(y_true: Tensor, y_pred: Tensor) -> tuple[int, int]:
    """The two kinds of error of a binary classifier, counted: (type I, type II).

    y_true, y_pred: (N,) integer tensors (int32 or int64) of binary labels, 1 = positive
    and 0 = negative, N >= 1, not changed.
    Type I errors are false positives (predicted 1, truly 0: a false alarm); type II errors
    are false negatives (predicted 0, truly 1: a miss). Returns two Python ints.
    Raises ValueError as accuracy does, and when a label is neither 0 nor 1.
    """
    # TODO: the off-diagonal cells of the 2 x 2 confusion matrix: which is which?
    raise NotImplementedError("TODO: type_errors(y_true, y_pred)")


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
    # TODO: diagonal / column sums, diagonal / row sums, then F1; 0.0 wherever a
    # denominator is 0 (torch.where)
    raise NotImplementedError("TODO: per_class_scores(cm)")


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
    # TODO: check average, build the confusion matrix, then average per class (macro),
    # pool the counts (micro) or take class 1 (binary)
    raise NotImplementedError("TODO: precision_recall_f1(y_true, y_pred, num_classes, average)")


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
    # TODO: from torch.utils.tensorboard import SummaryWriter (inside this function);
    # the usual step per batch, writer.add_scalar(tag, float, global_step=i), then close()
    raise NotImplementedError("TODO: train_and_log(model, batches, loss_fn, optimizer, log_dir)")
