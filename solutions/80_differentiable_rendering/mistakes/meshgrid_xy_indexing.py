"""Mistake: torch.meshgrid(xs, ys, indexing="xy")... then stacked as if it were (H, W).

With "xy" indexing and the arguments in (ys, xs) order the grid comes out (W, H): right
only for square images.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "indexing='xy'"
REJECTED_BY = "test_pixel_centers_follow_the_convention"

solution = solution_for(__file__)


def pixel_centers(height, width, *, dtype=torch.float32, device=None):
    solution._check_size(height, width)
    ys = torch.arange(height, dtype=dtype, device=device) + 0.5
    xs = torch.arange(width, dtype=dtype, device=device) + 0.5
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="xy")
    return torch.stack([grid_x, grid_y], dim=-1)
