"""Mistake: evaluate under no_grad but without model.eval().

Dropout stays on (and BatchNorm uses batch statistics): the validation loss is noisy and
too high.
"""

import torch

CAUGHT_BY = "no model.eval()"
REJECTED_BY = "test_evaluate_records_no_graph_and_runs_in_eval_mode"


def evaluate(model, batches, loss_fn):
    total = 0.0
    with torch.no_grad():
        for inputs, targets in batches:
            total += loss_fn(model(inputs), targets).item()
    return total / len(batches) if batches else 0.0
