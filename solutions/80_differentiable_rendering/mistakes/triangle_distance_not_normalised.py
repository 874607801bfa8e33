"""Mistake: the raw cross product used as the distance to each edge line.

It has the right sign but is the distance times the edge's length: long edges get a
sharper edge than short ones, and the temperature no longer means pixels.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "not divided by the edge length"
REJECTED_BY = "test_soft_triangle_matches_a_per_pixel_loop"

solution = solution_for(__file__)


def soft_triangle(vertices, height, width, temperature):
    solution._check_temperature(temperature)
    if vertices.shape != (3, 2):
        raise ValueError("vertices must be (3, 2)")
    points = solution.pixel_centers(height, width, dtype=vertices.dtype, device=vertices.device)
    start, edges = vertices, vertices.roll(-1, dims=0) - vertices
    area2 = edges[0, 0] * -edges[2, 1] - edges[0, 1] * -edges[2, 0]
    if area2.detach().abs() == 0:
        raise ValueError("degenerate")
    rel = points[:, :, None, :] - start
    cross = edges[:, 0] * rel[..., 1] - edges[:, 1] * rel[..., 0]
    signed = torch.sign(area2.detach()) * cross  # no / |edge|
    return torch.sigmoid(signed.amin(dim=-1) / temperature)
