"""Mistake: evaluate in eval mode but without torch.no_grad().

eval() changes layer behaviour only; autograd still records a graph for every batch.
"""

CAUGHT_BY = "built an autograd graph"
REJECTED_BY = "test_evaluate_runs_in_eval_mode_and_builds_no_graph"


def evaluate(model, loader, loss_fn):
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    total, correct, count = 0.0, 0, 0
    for inputs, targets in loader:
        logits = model(inputs)
        total += loss_fn(logits, targets).item() * targets.shape[0]
        correct += int((logits.argmax(1) == targets).sum())
        count += targets.shape[0]
    for m, training in modes:
        m.train(training)
    if count == 0:
        raise ValueError("empty loader")
    return total / count, correct / count
