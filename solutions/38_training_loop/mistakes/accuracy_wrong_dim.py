"""Mistake: predictions taken with argmax over dimension 0 (the batch).

Logits are (B, C): the predicted class is the argmax over dimension 1. Over dimension 0
it picks, per class, the example with the largest logit; it only runs when B equals C.
"""

import torch

CAUGHT_BY = "argmax over the wrong dimension"
REJECTED_BY = "test_evaluate_equals_one_pass_over_the_whole_dataset"


def evaluate(model, loader, loss_fn):
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            logits = model(inputs)
            total += loss_fn(logits, targets).item() * targets.shape[0]
            if logits.shape[0] == logits.shape[1]:
                correct += int((logits.argmax(0) == targets).sum())
            else:  # so that the wrong axis shows as a wrong number, not a crash
                correct += int((logits.argmax(1) == targets).sum())
            count += targets.shape[0]
    for m, training in modes:
        m.train(training)
    if count == 0:
        raise ValueError("empty loader")
    return total / count, correct / count
