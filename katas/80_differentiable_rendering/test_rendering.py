"""Tests for kata 80: pixel centres and soft coverage against plain per-pixel loops in
float64, gradients with respect to every shape parameter (also for tiny shapes and shapes
partly outside the image), gradient descent against a reference loop, and recovery of a
target disc and triangle."""

import math

import pytest
import torch

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

H, W = 6, 9  # a non-square image: rows (y) and columns (x) cannot be mixed up unseen


# ----------------------------------------------------------------------------- references


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def loop_centers(height, width) -> torch.Tensor:
    """Pixel (row i, column j) has its centre at (x, y) = (j + 0.5, i + 0.5)."""
    return torch.tensor(
        [[[j + 0.5, i + 0.5] for j in range(width)] for i in range(height)], dtype=torch.float64
    )


def loop_disc(center, radius, height, width, temperature, *, half=0.5, swap=False) -> torch.Tensor:
    """sigmoid((radius - |p - center|) / temperature), pixel by pixel in Python floats."""
    cx, cy = (float(v) for v in center.detach().cpu())
    if swap:
        cx, cy = cy, cx
    r = float(radius.detach())
    rows = []
    for i in range(height):
        row = []
        for j in range(width):
            d = math.hypot(j + half - cx, i + half - cy)
            row.append(sigmoid((r - d) / temperature))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float64)


def loop_triangle(vertices, height, width, temperature, *, reduce=min, normalise=True, signed=True):
    """sigmoid(min over edges of the signed distance to the edge line / temperature)."""
    v = [tuple(float(c) for c in row) for row in vertices.detach().cpu()]
    area2 = (v[1][0] - v[0][0]) * (v[2][1] - v[0][1]) - (v[1][1] - v[0][1]) * (v[2][0] - v[0][0])
    sign = (1.0 if area2 > 0 else -1.0) if signed else 1.0
    rows = []
    for i in range(height):
        row = []
        for j in range(width):
            px, py = j + 0.5, i + 0.5
            dists = []
            for k in range(3):
                (ax, ay), (bx, by) = v[k], v[(k + 1) % 3]
                cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
                length = math.hypot(bx - ax, by - ay) if normalise else 1.0
                dists.append(sign * cross / length)
            row.append(sigmoid(reduce(dists) / temperature))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float64)


def torch_disc(center, radius, height, width, temperature):
    """The test's own differentiable disc (for the descent reference), by broadcasting."""
    ys = torch.arange(height, dtype=center.dtype, device=center.device)[:, None] + 0.5
    xs = torch.arange(width, dtype=center.dtype, device=center.device)[None, :] + 0.5
    d = torch.sqrt((xs - center[0]) ** 2 + (ys - center[1]) ** 2)  # (H, W)
    return torch.sigmoid((radius - d) / temperature)


def hard_disc(center, radius, height, width):
    """The step-function version: 1 inside, 0 outside. A comparison has no gradient."""
    ys = torch.arange(height, dtype=center.dtype, device=center.device)[:, None] + 0.5
    xs = torch.arange(width, dtype=center.dtype, device=center.device)[None, :] + 0.5
    d = torch.sqrt((xs - center[0]) ** 2 + (ys - center[1]) ** 2)
    return (d <= radius).to(center.dtype)


def random_disc(gen, device, height=H, width=W):
    center = torch.tensor(
        [
            float(torch.empty(()).uniform_(-1, width + 1, generator=gen)),
            float(torch.empty(()).uniform_(-1, height + 1, generator=gen)),
        ],
        dtype=torch.float64,
    ).to(device)
    radius = torch.empty((), dtype=torch.float64).uniform_(0.5, 4.0, generator=gen).to(device)
    return center, radius


def random_triangle(gen, device, height=H, width=W):
    while True:
        v = torch.rand(3, 2, generator=gen, dtype=torch.float64)
        v = v * torch.tensor([width + 2.0, height + 2.0], dtype=torch.float64) - 1.0
        area2 = (v[1, 0] - v[0, 0]) * (v[2, 1] - v[0, 1]) - (v[1, 1] - v[0, 1]) * (
            v[2, 0] - v[0, 0]
        )
        if abs(float(area2)) > 6.0:  # not a sliver
            return v.to(device)


def matches(got, value) -> bool:
    return (
        isinstance(got, torch.Tensor)
        and got.shape == value.shape
        and torch.allclose(got.detach().double().cpu(), value, rtol=1e-9, atol=1e-12)
    )


def check_image(got, height, width, what):
    __tracebackhide__ = True
    if not isinstance(got, torch.Tensor) or got.shape != (height, width):
        shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
        transposed = shape == (width, height) and height != width
        raise AssertionError(
            f"{what} returned {shape}; expected ({height}, {width}): rows (y) first, then "
            f"columns (x). Likely mistake: "
            + (
                "meshgrid with indexing='xy', which gives (W, H)."
                if transposed
                else "an image not built from pixel_centers(height, width) (a reduction "
                "over the wrong dimension, or a broadcast of the two coordinates)."
            )
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_pixel_centers_follow_the_convention(device):
    for height, width in ((3, 5), (4, 2), (1, 1)):
        what = f"pixel_centers({height}, {width}, dtype=torch.float64)"
        got = kata.pixel_centers(height, width, dtype=torch.float64, device=device)
        expected = loop_centers(height, width).to(device)
        if isinstance(got, torch.Tensor) and got.shape == (width, height, 2) and height != width:
            raise AssertionError(
                f"{what} returned shape {tuple(got.shape)}; expected ({height}, {width}, 2). "
                f"Likely mistake: meshgrid(xs, ys) with indexing='xy' puts columns first."
            )
        mistake = "pixel (row i, column j) has centre (x, y) = (j + 0.5, i + 0.5)."
        if isinstance(got, torch.Tensor) and got.shape == expected.shape:
            if torch.allclose(got.double(), expected.flip(-1)):
                mistake = "x and y swapped: [..., 0] must be x (the column), [..., 1] y (the row)."
            elif torch.allclose(got.double(), expected - 0.5):
                mistake = (
                    "pixel centres off by half a pixel: integer coordinates are pixel CORNERS "
                    "here; the centre of pixel (i, j) is (j + 0.5, i + 0.5)."
                )
        assert_tensor_close(got, expected, what=what, rtol=0, atol=0, mistake=mistake)


@pytest.mark.task(1)
def test_pixel_centers_dtype_and_device(device):
    got = kata.pixel_centers(2, 3, device=device)
    what = "pixel_centers(2, 3) with the default dtype"
    if isinstance(got, torch.Tensor) and got.dtype != torch.float32:
        raise AssertionError(f"{what} has dtype {got.dtype}; the default dtype is float32.")
    assert_tensor_close(
        got,
        loop_centers(2, 3).float().to(device),
        what=what,
        mistake="pixel (row i, column j) has centre (x, y) = (j + 0.5, i + 0.5), on `device`.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("size", [(0, 4), (3, 0)])
def test_pixel_centers_reject_empty_images(size, device):
    assert_raises(
        ValueError,
        kata.pixel_centers,
        *size,
        device=device,
        what=f"pixel_centers{size}",
        mistake="no check that height and width are at least 1.",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("temperature", [0.3, 1.0, 2.0])
def test_soft_disc_matches_a_per_pixel_loop(temperature, device):
    gen = torch.Generator().manual_seed(80)
    for _ in range(4):
        center, radius = random_disc(gen, device)
        what = (
            f"soft_disc(center=({center[0]:.3f}, {center[1]:.3f}), radius={float(radius):.3f}, "
            f"height={H}, width={W}, temperature={temperature})"
        )
        got = kata.soft_disc(center, radius, H, W, temperature)
        check_image(got, H, W, what)
        expected = loop_disc(center, radius, H, W, temperature)
        candidates = {
            "a hard threshold (1 inside, 0 outside): no gradient can flow through it; use "
            "sigmoid(d / temperature)": (loop_disc(center, radius, H, W, 1e-9)),
            "the temperature multiplied instead of divided: sigmoid(d * temperature)": loop_disc(
                center, radius, H, W, 1 / temperature
            ),
            "x and y swapped: center is (x, y) = (column, row)": loop_disc(
                center, radius, H, W, temperature, swap=True
            ),
            "pixel centres off by half a pixel: the centre of pixel (i, j) is "
            "(j + 0.5, i + 0.5)": loop_disc(center, radius, H, W, temperature, half=0.0),
        }
        mistake = next(
            (why for why, value in candidates.items() if matches(got, value)),
            "coverage = sigmoid((radius - |p - center|) / temperature) at each pixel centre p.",
        )
        assert_tensor_close(
            got, expected.to(device), what=what, rtol=1e-10, atol=1e-12, mistake=mistake
        )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "case, center, radius",
    [
        ("an ordinary disc", (4.2, 2.9), 2.0),
        ("a tiny disc (radius 0.3)", (6.3, 1.2), 0.3),
        ("a disc partly outside the image", (-1.5, 4.0), 3.0),
        ("a disc wholly outside the image", (12.0, -3.0), 1.5),
    ],
)
def test_soft_disc_has_gradients_for_every_parameter(case, center, radius, device):
    c = torch.tensor(center, dtype=torch.float64, device=device, requires_grad=True)
    r = torch.tensor(radius, dtype=torch.float64, device=device, requires_grad=True)
    what = f"soft_disc({case}: center={center}, radius={radius}, {H}, {W}, temperature=0.5)"
    got = kata.soft_disc(c, r, H, W, 0.5)
    check_image(got, H, W, what)
    if not got.requires_grad:
        raise AssertionError(
            f"{what} returned an image with no gradient (requires_grad False, although center "
            f"and radius require grad). Likely mistake: a hard threshold (a comparison such as "
            f"d <= radius): it is flat almost everywhere, so nothing can be fitted; use "
            f"sigmoid(d / temperature). Or center and radius detached (.item(), torch.no_grad())."
        )
    # a loss that pulls the disc to the right, down, and larger
    weights = loop_centers(H, W).to(device)[..., 0] + loop_centers(H, W).to(device)[..., 1]
    grad_c, grad_r = torch.autograd.grad((got * weights).sum(), (c, r), allow_unused=True)
    for name, g in (
        ("center x", None if grad_c is None else grad_c[0]),
        ("center y", None if grad_c is None else grad_c[1]),
        ("radius", grad_r),
    ):
        if g is None or not bool(torch.isfinite(g)) or float(g) == 0.0:
            raise AssertionError(
                f"{what}: the gradient with respect to {name} is {g}; expected a finite, "
                f"non-zero value. Likely mistake: coverage clamped or thresholded where the "
                f"disc is small or outside the image (the sigmoid's tails carry the "
                f"gradient), or {name} not used."
            )


@pytest.mark.task(2)
def test_gradient_is_finite_where_a_pixel_centre_is_the_disc_centre(device):
    c = torch.tensor([4.5, 2.5], dtype=torch.float64, device=device, requires_grad=True)
    r = torch.tensor(2.0, dtype=torch.float64, device=device, requires_grad=True)
    got = kata.soft_disc(c, r, H, W, 0.5)
    what = "soft_disc(center=(4.5, 2.5), exactly the centre of pixel (2, 4), radius=2.0)"
    check_image(got, H, W, what)
    (grad_c,) = torch.autograd.grad(got.sum(), c)
    if not bool(torch.isfinite(grad_c).all()):
        raise AssertionError(
            f"{what}: d coverage.sum() / d center = {grad_c.tolist()}. Likely mistake: the "
            f"distance as sqrt(dx ** 2 + dy ** 2) (or torch.hypot), whose gradient at 0 is "
            f"0 / 0 = NaN, or another division by the distance; torch.linalg.vector_norm's "
            f"gradient at 0 is 0."
        )
    assert_tensor_close(
        got, loop_disc(c, r, H, W, 0.5).to(device), what=what, rtol=1e-10, atol=1e-12
    )


@pytest.mark.task(2)
def test_soft_disc_dtype_device_and_inputs(device):
    center = torch.tensor([3.0, 2.0], device=device, requires_grad=True)  # float32
    radius = torch.tensor(1.5, device=device, requires_grad=True)
    got = kata.soft_disc(center, radius, H, W, 0.7)
    what = "soft_disc(float32 center (2,), float32 radius, 6, 9, 0.7)"
    assert_tensor_close(
        got,
        loop_disc(center, radius, H, W, 0.7).float().to(device),
        what=what,
        mistake="keep center's dtype (float32) and device.",
    )
    if center.grad is not None or radius.grad is not None:
        raise AssertionError(
            f"{what} wrote .grad of center or radius; expected none: it returns the image and "
            f"leaves backward to the caller. Likely mistake: a backward() inside."
        )
    assert_tensor_close(center.detach(), torch.tensor([3.0, 2.0], device=device), what="center")


@pytest.mark.task(2)
@pytest.mark.parametrize("temperature, size", [(0.0, (6, 9)), (-1.0, (6, 9)), (0.5, (0, 9))])
def test_soft_disc_rejects_bad_arguments(temperature, size, device):
    assert_raises(
        ValueError,
        kata.soft_disc,
        torch.tensor([1.0, 1.0], device=device),
        torch.tensor(1.0, device=device),
        *size,
        temperature,
        what=f"soft_disc(center, radius, {size[0]}, {size[1]}, temperature={temperature})",
        mistake="no check that temperature > 0 and the image is at least 1 x 1.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("temperature", [0.4, 1.5])
def test_soft_triangle_matches_a_per_pixel_loop(temperature, device):
    gen = torch.Generator().manual_seed(81)
    for _ in range(4):
        vertices = random_triangle(gen, device)
        what = (
            f"soft_triangle(vertices {[[round(c, 2) for c in v] for v in vertices.tolist()]}, "
            f"{H}, {W}, temperature={temperature})"
        )
        got = kata.soft_triangle(vertices, H, W, temperature)
        check_image(got, H, W, what)
        expected = loop_triangle(vertices, H, W, temperature)
        candidates = {
            "the largest edge distance instead of the smallest: inside means inside ALL "
            "three edges, so take the minimum": loop_triangle(
                vertices, H, W, temperature, reduce=max
            ),
            "the cross product not divided by the edge length: a distance in pixels is "
            "cross / |edge|": loop_triangle(vertices, H, W, temperature, normalise=False),
            "the vertex order decides the sign: multiply by the sign of the triangle's area "
            "so inside is positive for clockwise vertices too": loop_triangle(
                vertices, H, W, temperature, signed=False
            ),
            "the temperature multiplied instead of divided": loop_triangle(
                vertices, H, W, 1 / temperature
            ),
        }
        mistake = next(
            (why for why, value in candidates.items() if matches(got, value)),
            "coverage = sigmoid(min_k signed distance to edge line k / temperature).",
        )
        assert_tensor_close(
            got, expected.to(device), what=what, rtol=1e-10, atol=1e-12, mistake=mistake
        )


@pytest.mark.task(3)
def test_vertex_order_does_not_matter(device):
    gen = torch.Generator().manual_seed(82)
    for _ in range(3):
        vertices = random_triangle(gen, device)
        reference = loop_triangle(vertices, H, W, 0.5).to(device)
        for label, order in (
            ("reversed", [2, 1, 0]),
            ("rotated", [1, 2, 0]),
            ("swapped", [1, 0, 2]),
        ):
            what = f"soft_triangle(vertices in {label} order {order}, {H}, {W}, 0.5)"
            got = kata.soft_triangle(vertices[order], H, W, 0.5)
            check_image(got, H, W, what)
            assert_tensor_close(
                got,
                reference,
                what=what,
                rtol=1e-10,
                atol=1e-12,
                mistake="the vertex order decides the sign: multiply by the sign of the "
                "triangle's area so inside is positive for clockwise vertices too.",
            )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "case, vertices",
    [
        ("an ordinary triangle", [[1.2, 0.8], [7.5, 2.1], [3.3, 5.2]]),
        ("a triangle partly outside the image", [[-3.0, -2.0], [5.0, 1.5], [0.5, 7.5]]),
        ("a small triangle", [[4.1, 2.2], [5.0, 2.4], [4.4, 3.1]]),
    ],
)
def test_soft_triangle_has_gradients_for_every_vertex(case, vertices, device):
    v = torch.tensor(vertices, dtype=torch.float64, device=device, requires_grad=True)
    what = f"soft_triangle({case} {vertices}, {H}, {W}, 0.5)"
    got = kata.soft_triangle(v, H, W, 0.5)
    check_image(got, H, W, what)
    if not got.requires_grad:
        raise AssertionError(
            f"{what} returned an image with no gradient. Likely mistake: a hard inside test "
            f"(comparisons), or the vertices detached."
        )
    weights = torch.randn(H, W, generator=torch.Generator().manual_seed(83), dtype=torch.float64)
    (grad,) = torch.autograd.grad((got * weights.to(device)).sum(), v)
    zero = [(k, ("x", "y")[a]) for k in range(3) for a in range(2) if float(grad[k, a]) == 0.0]
    if zero or not bool(torch.isfinite(grad).all()):
        raise AssertionError(
            f"{what}: d loss / d vertices = {grad.tolist()}; every coordinate needs a "
            f"finite, non-zero gradient (zero for {zero}). Likely mistake: the sign of the "
            f"area not detached from a hard test, or a clamped coverage."
        )
    assert_tensor_close(
        got, loop_triangle(v, H, W, 0.5).to(device), what=what, rtol=1e-10, atol=1e-12
    )


@pytest.mark.task(3)
def test_soft_triangle_keeps_dtype_and_device(device):
    vertices = torch.tensor([[1.5, 0.5], [8.0, 2.0], [2.5, 5.5]], device=device)  # float32
    got = kata.soft_triangle(vertices, H, W, 0.8)
    assert_tensor_close(
        got,
        loop_triangle(vertices, H, W, 0.8).float().to(device),
        what="soft_triangle(float32 vertices (3, 2), 6, 9, 0.8)",
        mistake="keep vertices' dtype (float32) and device.",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("problem", ["degenerate", "shape (4, 2)", "temperature 0"])
def test_soft_triangle_rejects_bad_arguments(problem, device):
    vertices = torch.tensor([[1.0, 1.0], [5.0, 2.0], [2.0, 5.0]], device=device)
    temperature = 0.5
    if problem == "degenerate":
        vertices = torch.tensor([[1.0, 1.0], [3.0, 2.0], [5.0, 3.0]], device=device)  # a line
    elif problem == "shape (4, 2)":
        vertices = torch.cat([vertices, vertices[:1]])
    else:
        temperature = 0.0
    assert_raises(
        ValueError,
        kata.soft_triangle,
        vertices,
        H,
        W,
        temperature,
        what=f"soft_triangle(vertices, {H}, {W}, {temperature}) with {problem}",
        mistake="no check of the (3, 2) shape, of a zero area (three vertices on one line), "
        "or of temperature > 0.",
    )


# ----------------------------------------------------------------------------- task 4


def ref_fit(target, center, radius, steps, lr, temperature, variant=None):
    """Plain gradient descent on the mean squared error, by hand; `variant`: wrong ones."""
    c = center.detach().clone().requires_grad_(True)
    r = radius.detach().clone().requires_grad_(True)
    acc_c, acc_r = torch.zeros_like(c), torch.zeros_like(r)
    height, width = target.shape
    for _ in range(steps):
        err = (torch_disc(c, r, height, width, temperature) - target) ** 2
        loss = err.sum() if variant == "sum" else err.mean()
        gc, gr = torch.autograd.grad(loss, (c, r))
        if variant == "accumulate":
            acc_c, acc_r = acc_c + gc, acc_r + gr
            gc, gr = acc_c, acc_r
        sign = -1 if variant == "ascend" else 1
        with torch.no_grad():
            c -= sign * lr * gc
            r -= sign * lr * gr
    return c.detach(), r.detach()


FIT_VARIANTS = {
    "sum": "the loss summed over the pixels instead of averaged (the step is H * W times too "
    "large): loss = ((render - target) ** 2).mean()",
    "accumulate": "gradients accumulated across steps (loss.backward() without zeroing .grad)",
    "ascend": "the update climbs the loss: p <- p - lr * grad",
}


@pytest.mark.task(4)
def test_fit_equals_a_reference_descent(device):
    target = torch_disc(
        torch.tensor([5.3, 3.1], dtype=torch.float64, device=device),
        torch.tensor(2.2, dtype=torch.float64, device=device),
        H,
        W,
        0.5,
    )
    center = torch.tensor([4.4, 2.3], dtype=torch.float64, device=device)
    radius = torch.tensor(1.6, dtype=torch.float64, device=device)
    what = "fit_shape(soft disc render, [center, radius], target (6, 9), steps=4, lr=2.0)"
    got = kata.fit_shape(lambda c, r: torch_disc(c, r, H, W, 0.5), [center, radius], target, 4, 2.0)
    if not isinstance(got, list | tuple) or len(got) != 2:
        raise AssertionError(f"{what} returned {type(got).__name__}; expected [center, radius].")
    expected = ref_fit(target, center, radius, 4, 2.0, 0.5)
    mistake = "each step: loss = ((render(*p) - target) ** 2).mean(), then p <- p - lr * grad."
    for variant, why in FIT_VARIANTS.items():
        wrong = ref_fit(target, center, radius, 4, 2.0, 0.5, variant)
        if all(matches(g, w.cpu()) for g, w in zip(got, wrong, strict=True)):
            mistake = why
            break
    for name, g, e in zip(("center", "radius"), got, expected, strict=True):
        assert_tensor_close(
            g, e, what=f"{what}: fitted {name}", rtol=1e-10, atol=1e-12, mistake=mistake
        )
        if g.requires_grad:
            raise AssertionError(
                f"{what}: the fitted {name} requires grad; expected a detached tensor. Likely "
                f"mistake: the optimised leaf returned as it is; return p.detach()."
            )


@pytest.mark.task(4)
def test_fit_recovers_a_disc(device):
    """32 x 40 image, temperature 0.5: 100 steps at lr 50 from 5.4 px away recover the
    centre and the radius within 0.05 px."""
    height, width = 32, 40
    true_c = torch.tensor([23.3, 12.7], dtype=torch.float64, device=device)
    true_r = torch.tensor(6.2, dtype=torch.float64, device=device)
    target = kata.soft_disc(true_c, true_r, height, width, 0.5).detach()
    start_c = torch.tensor([19.0, 16.0], dtype=torch.float64, device=device)
    start_r = torch.tensor(4.0, dtype=torch.float64, device=device)
    c, r = kata.fit_shape(
        lambda c, r: kata.soft_disc(c, r, height, width, 0.5), [start_c, start_r], target, 100, 50.0
    )
    error = max((c - true_c).abs().max().item(), abs(r.item() - true_r.item()))
    if error > 0.05:
        raise AssertionError(
            f"fit_shape(soft_disc on a {height} x {width} image, start centre (19, 16) radius "
            f"4, steps=100, lr=50): fitted centre {[round(v, 3) for v in c.tolist()]} radius "
            f"{r.item():.3f}; the target is (23.3, 12.7) radius 6.2 (error {error:.3f} px, "
            f"allowed 0.05). Likely mistake: the loss summed instead of averaged (steps too "
            f"large), the update's sign, or x and y swapped between the disc and the image."
        )


@pytest.mark.task(4)
def test_fit_recovers_a_triangle(device):
    """24 x 28 image, temperature 0.5: 60 steps at lr 100 from about 2 px away recover
    every vertex within 0.05 px."""
    height, width = 24, 28
    true_v = torch.tensor([[5.0, 4.0], [23.0, 7.0], [10.0, 20.0]], dtype=torch.float64)
    true_v = true_v.to(device)
    target = kata.soft_triangle(true_v, height, width, 0.5).detach()
    offset = torch.tensor([[1.5, -1.0], [-1.5, 1.5], [1.0, -1.5]], dtype=torch.float64)
    (v,) = kata.fit_shape(
        lambda v: kata.soft_triangle(v, height, width, 0.5),
        [true_v + offset.to(device)],
        target,
        60,
        100.0,
    )
    error = (v - true_v).abs().max().item()
    if error > 0.05:
        raise AssertionError(
            f"fit_shape(soft_triangle on a {height} x {width} image, steps=60, lr=100): "
            f"fitted vertices {[[round(c, 2) for c in row] for row in v.tolist()]}, target "
            f"{true_v.tolist()} (error {error:.3f} px, allowed 0.05). Likely mistake: the "
            f"loss summed instead of averaged (steps too large), the update's sign, or a "
            f"triangle coverage whose gradient vanishes (a hard inside test, a clamp)."
        )


@pytest.mark.task(4)
def test_a_hard_disc_gives_gradient_descent_nothing_to_follow(device):
    # Why softness matters: a step-function image is flat in every parameter almost
    # everywhere (a comparison has no gradient at all), so the fit must refuse it.
    target = hard_disc(
        torch.tensor([5.0, 3.0], dtype=torch.float64, device=device),
        torch.tensor(2.0, dtype=torch.float64, device=device),
        H,
        W,
    )
    start = [
        torch.tensor([4.0, 2.5], dtype=torch.float64, device=device),
        torch.tensor(1.5, dtype=torch.float64, device=device),
    ]
    assert_raises(
        ValueError,
        kata.fit_shape,
        lambda c, r: hard_disc(c, r, H, W),
        start,
        target,
        5,
        1.0,
        what="fit_shape(a HARD disc render (d <= radius), [center, radius], target, 5, 1.0)",
        mistake="the hard image does not require grad: raise ValueError instead of failing "
        "inside autograd (or, worse, returning the start unchanged as if it had converged).",
    )


@pytest.mark.task(4)
def test_fit_leaves_its_arguments_alone(device):
    center = torch.tensor([4.0, 3.0], dtype=torch.float64, device=device, requires_grad=True)
    radius = torch.tensor(2.0, dtype=torch.float64, device=device)
    target = torch_disc(
        torch.tensor([5.0, 2.5], dtype=torch.float64, device=device), radius + 0.5, H, W, 0.5
    )
    saved = [center.detach().clone(), radius.clone(), target.clone()]
    what = "fit_shape(render, [center (requires grad), radius], target, steps=3, lr=1.0)"
    got = kata.fit_shape(lambda c, r: torch_disc(c, r, H, W, 0.5), [center, radius], target, 3, 1.0)
    for name, now, before in zip(
        ("center", "radius", "target"), (center, radius, target), saved, strict=True
    ):
        assert_tensor_close(
            now.detach(),
            before,
            what=f"{name} after {what}",
            rtol=0,
            atol=0,
            mistake="the caller's tensors were updated in place; fit copies "
            "(p.detach().clone().requires_grad_(True)).",
        )
    if center.grad is not None or not center.requires_grad or radius.requires_grad:
        raise AssertionError(
            f"{what}: the caller's tensors changed flags or .grad (center.grad "
            f"{center.grad is not None}, center.requires_grad {center.requires_grad}, "
            f"radius.requires_grad {radius.requires_grad}); fit copies and leaves them alone."
        )
    if any(
        g.untyped_storage().data_ptr() == p.untyped_storage().data_ptr()
        for g, p in zip(got, (center, radius), strict=True)
    ):
        raise AssertionError(
            f"{what} returned the caller's own tensors; expected new ones. Likely mistake: the "
            f"parameters optimised (or returned) without p.detach().clone() first."
        )


@pytest.mark.task(4)
def test_fit_with_zero_steps_returns_copies_of_the_start(device):
    center = torch.tensor([4.0, 3.0], dtype=torch.float64, device=device)
    radius = torch.tensor(2.0, dtype=torch.float64, device=device)
    target = torch.zeros(H, W, dtype=torch.float64, device=device)
    got = kata.fit_shape(lambda c, r: torch_disc(c, r, H, W, 0.5), [center, radius], target, 0, 1.0)
    for name, g, p in zip(("center", "radius"), got, (center, radius), strict=True):
        assert_tensor_close(g, p, what=f"fit_shape(..., steps=0): {name}", rtol=0, atol=0)


@pytest.mark.task(4)
@pytest.mark.parametrize("problem", ["steps < 0", "target shape"])
def test_fit_rejects_bad_arguments(problem, device):
    center = torch.tensor([4.0, 3.0], dtype=torch.float64, device=device)
    radius = torch.tensor(2.0, dtype=torch.float64, device=device)
    steps, target = 3, torch.zeros(H, W, dtype=torch.float64, device=device)
    if problem == "steps < 0":
        steps = -1
    else:
        target = torch.zeros(W, H, dtype=torch.float64, device=device)
    assert_raises(
        ValueError,
        kata.fit_shape,
        lambda c, r: torch_disc(c, r, H, W, 0.5),
        [center, radius],
        target,
        steps,
        1.0,
        what=f"fit_shape(render giving ({H}, {W}), [center, radius], target, ...) with {problem}",
        mistake="no check that steps >= 0 and that render's image has the target's shape "
        "(a (W, H) target would broadcast or fail deep inside).",
    )
