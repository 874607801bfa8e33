"""Mistake: pixel centres at integer coordinates, (j, i) instead of (j + 0.5, i + 0.5).

Every shape is drawn half a pixel off: fitted parameters come out shifted by 0.5 against
any renderer or dataset that uses the stated convention.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "off by half a pixel"
REJECTED_BY = "test_pixel_centers_follow_the_convention"

solution = solution_for(__file__)


def pixel_centers(height, width, *, dtype=torch.float32, device=None):
    solution._check_size(height, width)
    ys = torch.arange(height, dtype=dtype, device=device)
    xs = torch.arange(width, dtype=dtype, device=device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([grid_x, grid_y], dim=-1)
