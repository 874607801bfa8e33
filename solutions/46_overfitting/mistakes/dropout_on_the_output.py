"""Mistake: a Dropout after every Linear, the output layer included.

Dropping logits regularises nothing: it adds noise to the loss and, in train mode, zeroes
whole class scores.
"""

from torch import nn

CAUGHT_BY = "drops logits"
REJECTED_BY = "test_mlp_puts_dropout_after_every_hidden_activation_only"


def mlp(in_features, hidden, out_features, p):
    if not hidden or not 0 <= p < 1:
        raise ValueError("bad hidden or p")
    layers, previous = [], in_features
    for width in hidden:
        layers += [nn.Linear(previous, width), nn.ReLU(), nn.Dropout(p)]
        previous = width
    layers += [nn.Linear(previous, out_features), nn.Dropout(p)]
    return nn.Sequential(*layers)
