"""Mistake: evaluate without torch.no_grad().

Every batch records a graph; with the usual running total that keeps every activation of
the whole evaluation alive, and even with .item() it wastes the memory of one graph.
"""

CAUGHT_BY = "no torch.no_grad()"
REJECTED_BY = "test_evaluate_records_no_graph_and_runs_in_eval_mode"


def evaluate(model, batches, loss_fn):
    was_training = model.training
    model.eval()
    total = 0.0
    for inputs, targets in batches:
        total += loss_fn(model(inputs), targets).item()
    model.train(was_training)
    return total / len(batches) if batches else 0.0
