"""Mistake: evaluate under torch.no_grad() but without model.eval().

no_grad stops the graph, not Dropout or BatchNorm's batch statistics: the numbers are
random and BatchNorm's running statistics drift.
"""

import torch

CAUGHT_BY = "in train mode during evaluate"
REJECTED_BY = "test_evaluate_runs_in_eval_mode_and_builds_no_graph"


def evaluate(model, loader, loss_fn):
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            logits = model(inputs)
            total += loss_fn(logits, targets).item() * targets.shape[0]
            correct += int((logits.argmax(1) == targets).sum())
            count += targets.shape[0]
    if count == 0:
        raise ValueError("empty loader")
    return total / count, correct / count
