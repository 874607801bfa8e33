"""Mistake: swapping the model's own nn.ReLU modules (setattr on the parent), then tracing.

The caller's model loses its ReLUs; and the functional ReLUs are not touched either way.
"""

from torch import fx, nn

CAUGHT_BY = "changed the caller's model"
REJECTED_BY = "test_callers_model_keeps_its_relus"


class _Call(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def replace_relu(model, activation):
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.ReLU):
            parent, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent), child, _Call(activation))
    return fx.symbolic_trace(model)
