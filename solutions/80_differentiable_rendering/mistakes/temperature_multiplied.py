"""Mistake: sigmoid((radius - d) * temperature): the temperature multiplies.

A larger temperature should soften the edge; here it sharpens it, and the "soft" default
becomes nearly a step with vanishing gradients.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the temperature multiplied instead of divided"
REJECTED_BY = "test_soft_disc_matches_a_per_pixel_loop"

solution = solution_for(__file__)


def soft_disc(center, radius, height, width, temperature):
    solution._check_temperature(temperature)
    points = solution.pixel_centers(height, width, dtype=center.dtype, device=center.device)
    distance = torch.linalg.vector_norm(points - center, dim=-1)
    return torch.sigmoid((radius - distance) * temperature)
