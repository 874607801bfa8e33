"""Mistake: run_model() calls model.eval() before the forward pass.

It looks tidy for inference, but it changes the caller's model: a training loop that calls
run_model now trains with dropout off and BatchNorm's running statistics.
"""

CAUGHT_BY = "into eval mode"
REJECTED_BY = "test_run_model_keeps_train_mode_and_the_graph"


def run_model(model, x):
    model.eval()
    param = next(model.parameters())
    return model(x.to(device=param.device, dtype=param.dtype))
