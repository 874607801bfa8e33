"""Mistake: the stable sigmoid built on z = exp(-x.abs()).

Values are right everywhere, but abs() has gradient 0 at exactly x = 0, so the sigmoid's
slope there comes out 0 instead of 0.25.
"""

import torch

CAUGHT_BY = "not through x.abs()"
REJECTED_BY = "test_sigmoid_finite_for_extreme_inputs"


def sigmoid(x):
    z = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + z), z / (1 + z))
