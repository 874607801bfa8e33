"""Mistake: the disc rendered with a hard threshold, 1 inside and 0 outside.

It looks right, but a comparison has no gradient: the image does not depend
differentiably on the centre or the radius, and nothing can be fitted.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "a hard threshold"
REJECTED_BY = "test_soft_disc_matches_a_per_pixel_loop"

solution = solution_for(__file__)


def soft_disc(center, radius, height, width, temperature):
    solution._check_temperature(temperature)
    points = solution.pixel_centers(height, width, dtype=center.dtype, device=center.device)
    distance = torch.linalg.vector_norm(points - center, dim=-1)
    return (distance <= radius).to(center.dtype)
