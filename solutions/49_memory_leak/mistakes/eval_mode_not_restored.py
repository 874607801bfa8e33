"""Mistake: model.eval() in evaluate, and the mode never put back.

The next training epoch then runs with dropout off and BatchNorm frozen, silently.
"""

import torch

CAUGHT_BY = "not putting back the mode"
REJECTED_BY = "test_evaluate_records_no_graph_and_runs_in_eval_mode"


def evaluate(model, batches, loss_fn):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for inputs, targets in batches:
            total += loss_fn(model(inputs), targets).item()
    return total / len(batches) if batches else 0.0
