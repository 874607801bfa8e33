"""Mistake: one Dropout, after the first hidden layer only.

The deeper hidden layers, where most parameters of a wide MLP are, are not regularised.
"""

from torch import nn

CAUGHT_BY = "a hidden layer without its Dropout"
REJECTED_BY = "test_mlp_puts_dropout_after_every_hidden_activation_only"


def mlp(in_features, hidden, out_features, p):
    if not hidden or not 0 <= p < 1:
        raise ValueError("bad hidden or p")
    layers, previous = [], in_features
    for i, width in enumerate(hidden):
        layers += [nn.Linear(previous, width), nn.ReLU()]
        if i == 0:
            layers.append(nn.Dropout(p))
        previous = width
    layers.append(nn.Linear(previous, out_features))
    return nn.Sequential(*layers)
