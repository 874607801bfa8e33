"""Mistake: linear_params returns m.weight.clone(), m.bias.clone() (clones, not detached).

Gradients still flow back through the clone, but the tensors are not the model's
Parameters: an optimizer built on them, or an in-place update of them, leaves the model
unchanged.
"""

from torch import nn

CAUGHT_BY = "is not (layer.weight, layer.bias) itself"
REJECTED_BY = "test_shared_weights_give_identical_outputs"


def linear_params(model):
    return [(m.weight.clone(), m.bias.clone()) for m in model.modules() if isinstance(m, nn.Linear)]
