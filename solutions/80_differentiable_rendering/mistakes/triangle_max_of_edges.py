"""Mistake: the triangle's distance as the LARGEST of the three edge distances.

That is inside ANY edge's half-plane, not inside all three: the "triangle" covers most of
the image.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the largest edge distance instead of the smallest"
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
    signed = torch.sign(area2.detach()) * cross / torch.linalg.vector_norm(edges, dim=-1)
    return torch.sigmoid(signed.amax(dim=-1) / temperature)
