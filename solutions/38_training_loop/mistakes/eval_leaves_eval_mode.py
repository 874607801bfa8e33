"""Mistake: evaluate calls model.eval() and never restores the mode.

The next training epoch then runs in eval mode unless it calls model.train() itself.
"""

import torch

CAUGHT_BY = "left in eval mode"
REJECTED_BY = "test_evaluate_restores_every_modules_mode"


def evaluate(model, loader, loss_fn):
    model.eval()
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
