"""Mistake: predict() runs model(x) in eval mode with autograd on and returns out.detach().

The output has no graph, so it looks right, but the forward built the whole graph and kept
its saved activations until the output was detached: the memory no_grad saves is spent.
"""

CAUGHT_BY = "model(x).detach() (or .data) instead of torch.no_grad()"
REJECTED_BY = "test_predict_runs_the_forward_with_autograd_off"


def predict(model, x):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        return model(x).detach()
    finally:
        for m, training in modes.items():
            m.training = training
