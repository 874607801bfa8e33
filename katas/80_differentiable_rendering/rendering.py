"""Kata 80: a soft rasteriser of discs and triangles, and fitting shapes to an image.
See README.md in this folder."""

from collections.abc import Callable, Sequence

import torch
from torch import Tensor


def pixel_centers(
    height: int,
    width: int,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """The centre of every pixel of a height x width image, in pixel units.

    The convention of this kata: x runs right along a row, y runs down a column, and the
    origin is the top-left CORNER of the top-left pixel, so pixel (row i, column j) covers
    [j, j + 1] x [i, i + 1] and has its centre at (x, y) = (j + 0.5, i + 0.5). Returns
    (height, width, 2) of the given dtype and device: [..., 0] is x, [..., 1] is y.
    pixel_centers(1, 2) is [[[0.5, 0.5], [1.5, 0.5]]]. Raises ValueError when height or
    width is below 1.
    """
    # TODO: arange + 0.5 for the rows (y) and the columns (x), meshgrid with
    # indexing="ij", then stack x first
    raise NotImplementedError("TODO: pixel_centers(height, width, dtype=..., device=...)")


def soft_disc(
    center: Tensor, radius: Tensor, height: int, width: int, temperature: float
) -> Tensor:
    """Soft coverage of a disc: sigmoid(signed distance / temperature) at each pixel centre.

    center: (2,) float, (x, y) in pixel units (the convention of pixel_centers); radius: 0-d
    float; both may require grad, and the disc may be tiny or lie partly (or wholly)
    outside the image. With p the pixel centre and d(p) = radius - ||p - center|| (positive
    inside), returns
        coverage = sigmoid(d(p) / temperature)
    of shape (height, width), center's dtype and device, differentiable with respect to
    center and radius: every pixel has a non-zero gradient, and the gradient stays finite
    where a pixel centre falls exactly on the disc's centre. A smaller temperature is a
    sharper edge. Raises ValueError when temperature <= 0 or the image is smaller than
    1 x 1.
    """
    # TODO: the distance of every pixel centre to the centre (torch.linalg.vector_norm),
    # then sigmoid((radius - distance) / temperature)
    raise NotImplementedError("TODO: soft_disc(center, radius, height, width, temperature)")


def soft_triangle(vertices: Tensor, height: int, width: int, temperature: float) -> Tensor:
    """Soft coverage of a triangle: sigmoid(distance to the nearest edge line / temperature).

    vertices: (3, 2) float, the corners' (x, y) in pixel units, in either order (clockwise
    or counter-clockwise: the result is the same); may require grad. For each edge from
    vertex k to vertex k + 1 (mod 3), the signed distance of a pixel centre p to the
    edge's line is positive on the triangle's side; d(p) is the smallest of the three
    (positive inside the triangle, negative outside). Returns
        coverage = sigmoid(d(p) / temperature)
    of shape (height, width), vertices' dtype and device, differentiable with respect to
    every vertex coordinate. Raises ValueError when vertices is not (3, 2), the triangle
    is degenerate (zero area), temperature <= 0, or the image is smaller than 1 x 1.
    """
    # TODO: for each edge, the cross product of the edge with (p - its start) over the
    # edge's length, signed by the triangle's orientation; min over edges, then sigmoid
    raise NotImplementedError("TODO: soft_triangle(vertices, height, width, temperature)")


def fit_shape(
    render: Callable[..., Tensor],
    params: Sequence[Tensor],
    target: Tensor,
    steps: int,
    lr: float,
) -> list[Tensor]:
    """Fit shape parameters to a target image by plain gradient descent.

    render(*params) returns an image (H, W) the same shape as target. Starting from copies
    of params, each of `steps` steps computes
        loss = ((render(*p) - target) ** 2).mean()      (the mean over all pixels)
    and updates every parameter by p <- p - lr * d loss / d p (this step's gradient
    only). Returns the fitted parameters as a list of new detached tensors (params' shapes,
    dtypes and devices); the caller's params (values, .grad, requires_grad) and target are
    not modified. Raises ValueError when steps < 0, when render's output and target differ
    in shape, or when render's output does not depend differentiably on the parameters (a
    hard threshold has no gradient to follow).
    """
    # TODO: copies that require grad; each step the mean squared error, its gradient
    # (torch.autograd.grad), and p -= lr * grad under no_grad
    raise NotImplementedError("TODO: fit_shape(render, params, target, steps, lr)")
