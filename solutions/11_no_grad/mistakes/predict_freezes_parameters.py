"""Mistake: turning off requires_grad on every parameter to avoid the graph.

The output has no graph, but the caller's model no longer trains: its parameters stay
frozen after the call.
"""

CAUGHT_BY = "turned off requires_grad"
REJECTED_BY = "test_predict_equals_eval_mode_without_graph"


def predict(model, x):
    modes = {m: m.training for m in model.modules()}
    for p in model.parameters():
        p.requires_grad_(False)
    model.eval()
    out = model(x)
    for m, training in modes.items():
        m.training = training
    return out
