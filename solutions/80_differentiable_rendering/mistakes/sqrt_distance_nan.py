"""Mistake: the distance written as sqrt(dx ** 2 + dy ** 2).

The values are right, but the gradient of sqrt at 0 is infinite: wherever a pixel centre
falls exactly on the disc's centre, the centre's gradient is 0 * inf = NaN, and one NaN
step destroys the fit.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "sqrt(dx ** 2 + dy ** 2)"
REJECTED_BY = "test_gradient_is_finite_where_a_pixel_centre_is_the_disc_centre"

solution = solution_for(__file__)


def soft_disc(center, radius, height, width, temperature):
    solution._check_temperature(temperature)
    points = solution.pixel_centers(height, width, dtype=center.dtype, device=center.device)
    distance = ((points - center) ** 2).sum(dim=-1).sqrt()
    return torch.sigmoid((radius - distance) / temperature)
