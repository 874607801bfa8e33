"""Mistake: evaluate restores the mode with model.train(was_training).

That sets every submodule to the top-level flag: a BatchNorm deliberately kept in eval
(frozen statistics while fine-tuning) is switched back to train mode.
"""

import torch

CAUGHT_BY = "switches EVERY submodule"
REJECTED_BY = "test_evaluate_restores_every_modules_mode"


def evaluate(model, loader, loss_fn):
    was_training = model.training
    model.eval()
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            logits = model(inputs)
            total += loss_fn(logits, targets).item() * targets.shape[0]
            correct += int((logits.argmax(1) == targets).sum())
            count += targets.shape[0]
    model.train(was_training)
    if count == 0:
        raise ValueError("empty loader")
    return total / count, correct / count
