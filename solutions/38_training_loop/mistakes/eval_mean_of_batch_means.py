"""Mistake: evaluate averages the batch losses and batch accuracies.

With a short last batch, its few examples count as much as a full batch: the result is not
the dataset's mean loss or accuracy.
"""

import torch

CAUGHT_BY = "mean of the batch means"
REJECTED_BY = "test_evaluate_equals_one_pass_over_the_whole_dataset"


def evaluate(model, loader, loss_fn):
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    losses, accuracies = [], []
    with torch.no_grad():
        for inputs, targets in loader:
            logits = model(inputs)
            losses.append(loss_fn(logits, targets).item())
            accuracies.append((logits.argmax(1) == targets).double().mean().item())
    for m, training in modes:
        m.train(training)
    if not losses:
        raise ValueError("empty loader")
    return sum(losses) / len(losses), sum(accuracies) / len(accuracies)
