"""Kata 80: a soft rasteriser of discs and triangles, and fitting shapes to an image.
See README.md in this folder."""

from collections.abc import Callable, Sequence

import torch
from torch import Tensor


def _check_size(height: int, width: int) -> None:
    if height < 1 or width < 1:
        raise ValueError(f"the image must be at least 1 x 1 pixels, got {height} x {width}")


def _check_temperature(temperature: float) -> None:
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")


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
    _check_size(height, width)
    ys = torch.arange(height, dtype=dtype, device=device) + 0.5  # rows: y
    xs = torch.arange(width, dtype=dtype, device=device) + 0.5  # columns: x
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")  # (H, W) each
    return torch.stack([grid_x, grid_y], dim=-1)  # (H, W, 2): x first


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
    _check_temperature(temperature)
    points = pixel_centers(height, width, dtype=center.dtype, device=center.device)  # (H, W, 2)
    # vector_norm's gradient at distance 0 is 0; sqrt(dx^2 + dy^2) would give NaN there
    distance = torch.linalg.vector_norm(points - center, dim=-1)  # (H, W)
    return torch.sigmoid((radius - distance) / temperature)  # divide: temperature in pixels


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
    _check_temperature(temperature)
    if vertices.shape != (3, 2):
        raise ValueError(f"vertices must be (3, 2), got {tuple(vertices.shape)}")
    points = pixel_centers(height, width, dtype=vertices.dtype, device=vertices.device)
    start, end = vertices, vertices.roll(-1, dims=0)  # edge k: vertex k -> vertex k + 1
    edges = end - start  # (3, 2)
    first, second = edges[0], -edges[2]  # both leave vertex 0
    area2 = first[0] * second[1] - first[1] * second[0]  # twice the signed area
    if area2.detach().abs() == 0:
        raise ValueError("the triangle is degenerate: its three vertices lie on one line")
    rel = points[:, :, None, :] - start  # (H, W, 3, 2)
    cross = edges[:, 0] * rel[..., 1] - edges[:, 1] * rel[..., 0]  # (H, W, 3)
    # the sign of the area makes "inside" positive whatever the vertex order
    signed = torch.sign(area2.detach()) * cross / torch.linalg.vector_norm(edges, dim=-1)
    return torch.sigmoid(signed.amin(dim=-1) / temperature)


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
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    current = [p.detach().clone().requires_grad_(True) for p in params]
    for _ in range(steps):
        image = render(*current)
        if image.shape != target.shape:
            raise ValueError(
                f"render returned {tuple(image.shape)}, the target is {tuple(target.shape)}"
            )
        if not image.requires_grad:
            raise ValueError(
                "render's output has no gradient with respect to the parameters: a hard "
                "threshold (a comparison, round, step) is flat almost everywhere, so "
                "gradient descent cannot move the shape; use a soft (sigmoid) edge"
            )
        loss = (image - target.detach()).pow(2).mean()
        grads = torch.autograd.grad(loss, current, allow_unused=True)  # no .grad written
        with torch.no_grad():
            for p, g in zip(current, grads, strict=True):
                if g is not None:
                    p -= lr * g
    return [p.detach() for p in current]
