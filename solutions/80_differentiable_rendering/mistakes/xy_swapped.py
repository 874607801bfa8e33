"""Mistake: the pixel grid stacked as (row, column), i.e. (y, x).

A disc at (x, y) is drawn at (y, x): mirrored across the diagonal, and on a non-square
image partly in the wrong place altogether.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "x and y swapped"
REJECTED_BY = "test_pixel_centers_follow_the_convention"

solution = solution_for(__file__)


def pixel_centers(height, width, *, dtype=torch.float32, device=None):
    solution._check_size(height, width)
    ys = torch.arange(height, dtype=dtype, device=device) + 0.5
    xs = torch.arange(width, dtype=dtype, device=device) + 0.5
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([grid_y, grid_x], dim=-1)
