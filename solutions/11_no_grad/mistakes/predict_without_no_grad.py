"""Mistake: model.eval() alone, without torch.no_grad().

eval() changes how Dropout and BatchNorm behave; it does not stop autograd. The output
still carries a graph, and every activation is kept for a backward that never comes.
"""

CAUGHT_BY = "built a graph"
REJECTED_BY = "test_predict_equals_eval_mode_without_graph"


def predict(model, x):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    out = model(x)
    for m, training in modes.items():
        m.training = training
    return out
