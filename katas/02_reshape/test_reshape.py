"""Tests for kata 02: views versus copies, view's limits, permute, and resize_."""

import math

import pytest
import torch

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)


def storage_ptr(t: torch.Tensor) -> int:
    return t.untyped_storage().data_ptr()


def shares_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    return storage_ptr(a) == storage_ptr(b)


def view_works(t: torch.Tensor, shape) -> bool:
    """The oracle: does torch's own view accept this shape?"""
    try:
        t.view(shape)
    except RuntimeError:
        return False
    return True


def layouts(seed: int, device) -> list[tuple[str, torch.Tensor]]:
    """Tensors with the same kind of data and many different stride patterns."""
    gen = torch.Generator().manual_seed(seed)
    a, b, c = (2 * int(s) for s in torch.randint(1, 4, (3,), generator=gen))
    base = torch.randn(a, b, c, generator=gen).to(device)
    return [
        ("contiguous", base),
        ("transpose(0, 1)", base.transpose(0, 1)),
        ("transpose(1, 2)", base.transpose(1, 2)),
        ("permute(2, 0, 1)", base.permute(2, 0, 1)),
        ("[:, :, ::2]", base[:, :, ::2]),
        ("[:, 1:]", base[:, 1:]),
        ("[0] (a contiguous slice)", base[0]),
        ("expanded [:, None].expand", base[:, None].expand(a, 3, b, c)),
        ("matrix .t()", base[0].t()),
        ("0-d", base[0, 0, 0]),
        ("size-one dimension [:, :1]", base[:, :1]),
        ("size-one dimension, transposed", base[:, :1].transpose(0, 2)),
    ]


def candidate_shapes(t: torch.Tensor) -> list[tuple[int, ...]]:
    """Target shapes holding t's elements: flat, merged neighbours, split dimensions."""
    shape, n = tuple(t.shape), t.numel()
    out = [(n,), (-1,), shape, tuple(reversed(shape))]
    for i in range(len(shape) - 1):  # merge dims i and i+1
        out.append((*shape[:i], shape[i] * shape[i + 1], *shape[i + 2 :]))
    for i, s in enumerate(shape):  # split dim i
        if s % 2 == 0:
            out.append((*shape[:i], 2, s // 2, *shape[i + 1 :]))
    if len(shape) >= 2:
        out.append((shape[0], -1))
        out.append((-1, shape[-1]))
    return out


def wrong_shapes(t: torch.Tensor) -> list[tuple[int, ...]]:
    """Shapes that cannot hold t's elements: another count, or two dimensions to infer."""
    n = t.numel()
    return [(n + 1,), (2, n), (-1, n + 1), (3, -1, -1)]


WRONG_SIZE_MISTAKE = (
    "no element-count check of your own: check it first and raise ValueError. view's own "
    "refusal of a wrong size is a RuntimeError, and catching every RuntimeError as 'needs a "
    "copy' answers False where no copy can help."
)


def _can_view(t, shape, what):
    __tracebackhide__ = True
    try:
        got = kata.can_view(t, shape)
    except ZeroDivisionError as err:
        raise AssertionError(
            f"{what} raised ZeroDivisionError: {err}. Likely mistake: dividing t.numel() by "
            f"the product of shape's sizes, which is 0 when a size is 0 (an empty tensor); "
            f"compare the element counts, and divide only to infer a -1 (when the rest is "
            f"not 0)."
        ) from err
    if not isinstance(got, bool):
        raise AssertionError(f"{what} should return a bool, got {got!r}.")
    return got


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_can_view_agrees_with_view(seed, device):
    for name, t in layouts(seed, device):
        before, strides = t.clone(), t.stride()
        for shape in candidate_shapes(t):
            what = (
                f"can_view(t, {shape}) for t = {name}, shape {tuple(t.shape)}, strides {t.stride()}"
            )
            got, expected = _can_view(t, shape, what), view_works(t, shape)
            if got != expected:
                raise AssertionError(
                    f"{what} returned {got}, but t.view({shape}) "
                    + ("works" if expected else "raises")
                    + ". Likely mistake: "
                    + (
                        "deciding by is_contiguous() (or by a stride rule of your own that is "
                        "too strict): a contiguous tensor can always be viewed, but so can "
                        "some non-contiguous ones (when the new shape only splits or merges "
                        "dimensions that are laid out compatibly). Ask view itself."
                        if expected
                        else "answering from the element count (or the shapes) alone, or by a "
                        "stride rule of your own that is too loose: a view is impossible when "
                        "the new shape merges dimensions whose strides do not line up. Ask "
                        "view itself (try t.view(shape), catch RuntimeError)."
                    )
                )
        if t.stride() != strides or not torch.equal(t, before):
            raise AssertionError(
                f"can_view(t, shape) changed the caller's t = {name} (its strides or values); "
                f"it should only answer. Likely mistake: an in-place call on t."
            )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "name, make",
    [
        ("zeros(0, 4)", lambda d: torch.zeros(0, 4, device=d)),
        ("zeros(4, 0).t()", lambda d: torch.zeros(4, 0, device=d).t()),
        ("zeros(3, 0, 2)[:, :, ::2]", lambda d: torch.zeros(3, 0, 2, device=d)[:, :, ::2]),
    ],
)
def test_can_view_of_an_empty_tensor(name, make, device):
    """can_view of a tensor with no elements: shapes that hold 0 elements agree with view"""
    t = make(device)
    for shape in [(0,), (-1,), (2, 0), (0, 3, 1), tuple(t.shape)]:
        what = f"can_view(t, {shape}) for t = {name}, shape {tuple(t.shape)}, no elements"
        got, expected = _can_view(t, shape, what), view_works(t, shape)
        if got != expected:
            raise AssertionError(
                f"{what} returned {got}, but t.view({shape}) "
                + ("works" if expected else "raises")
                + ": both hold 0 elements."
            )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_can_view_raises_value_error_on_wrong_size(seed, device):
    for name, t in layouts(seed, device)[:5]:
        for shape in wrong_shapes(t):
            assert_raises(
                ValueError,
                kata.can_view,
                t,
                shape,
                what=f"can_view(t, {shape}) for t = {name} with {t.numel()} elements (the shape "
                f"cannot hold them: no copy helps, a different problem from strides)",
                mistake=WRONG_SIZE_MISTAKE,
            )


# ----------------------------------------------------------------------------- task 2


def _view_or_copy(t, shape, what):
    __tracebackhide__ = True
    try:
        return kata.view_or_copy(t, shape)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "view size is not compatible" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. t.view({shape}) is impossible here, so the "
            f"fallback must copy into row-major order. Likely mistake: a fallback that keeps "
            f"t's layout before view (clone() preserves t's strides), or no fallback at all; "
            f"t.contiguous() (or reshape) copies into row-major order."
        ) from err


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_view_or_copy_views_when_possible_and_copies_otherwise(seed, device):
    for name, t in layouts(seed, device):
        before = t.clone()
        for shape in candidate_shapes(t):
            what = f"view_or_copy(t, {shape}) for t = {name}, shape {tuple(t.shape)}"
            got = _view_or_copy(t, shape, what)
            if not (isinstance(got, tuple) and len(got) == 2):
                raise AssertionError(f"{what} should return (tensor, is_view), got {got!r:.80}.")
            result, is_view = got
            if not isinstance(is_view, bool):
                raise AssertionError(
                    f"{what} returned is_view={is_view!r} of type {type(is_view).__name__}, "
                    f"expected a Python bool."
                )
            assert_tensor_close(
                result, t.reshape(shape), what=what, mistake="elements not in row-major order."
            )
            possible = view_works(t, shape)
            shared = shares_storage(result, t)
            if possible and not shared:
                raise AssertionError(
                    f"{what} copied although a view was possible (t.view({shape}) works). "
                    f"Likely mistake: .contiguous() (or clone) before every view, or a "
                    f"can_view() that answers False here; only fall back to a copy when view "
                    f"fails."
                )
            if not possible and shared:
                raise AssertionError(
                    f"{what} returned a tensor sharing t's storage, but no "
                    f"view is possible: it cannot hold the elements in order."
                )
            if is_view is not shared:
                raise AssertionError(
                    f"{what} reported is_view={is_view!r}, but the result "
                    + ("shares" if shared else "does not share")
                    + " t's storage. Likely mistake: reporting t.is_contiguous(), or a flag "
                    "decided before the fallback, instead of whether the result is a view."
                )
        assert_tensor_close(t, before, what=f"t after view_or_copy on {name}")


@pytest.mark.task(2)
def test_view_or_copy_raises_value_error_on_wrong_size(device):
    for name, t in layouts(0, device)[:3]:
        for shape in wrong_shapes(t):
            assert_raises(
                ValueError,
                kata.view_or_copy,
                t,
                shape,
                what=f"view_or_copy(t, {shape}) for t = {name} with {t.numel()} elements (the "
                f"shape cannot hold them; the docstring asks for ValueError, as can_view)",
                mistake=WRONG_SIZE_MISTAKE.replace("view's own", "view's (and reshape's) own"),
            )


@pytest.mark.task(2)
def test_view_or_copy_on_transposed_matrix_falls_back_to_copy(device):
    gen = torch.Generator().manual_seed(3)
    m = torch.randn(4, 6, generator=gen).to(device).t()  # (6, 4), strides (1, 6)
    result, is_view = _view_or_copy(m, (24,), "view_or_copy(m.t(), (24,))")
    assert_tensor_close(result, m.reshape(24), what="view_or_copy(m.t(), (24,))")
    if is_view or shares_storage(result, m) or not result.is_contiguous():
        raise AssertionError(
            "view_or_copy(m.t(), (24,)) must copy (m.t().view(24) raises) into a fresh "
            f"contiguous tensor; got is_view={is_view}, contiguous={result.is_contiguous()}."
        )
    result[0] = 1000.0
    if m[0, 0].item() == 1000.0:
        raise AssertionError("writing to the copy changed m: the fallback must not alias t.")


# ----------------------------------------------------------------------------- task 3


def random_images(seed: int, device, square: bool = False) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    n, c, h, w = torch.randint(1, 5, (4,), generator=gen).tolist()
    w = h if square else h + 1
    return torch.randn(n, c + 1, h, w, generator=gen).to(device)


def loop_nhwc(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    out = torch.empty(n, h, w, c, dtype=x.dtype, device=x.device)
    for i in range(c):
        out[..., i] = x[:, i]
    return out


def _why_not_nhwc(got, x: torch.Tensor) -> str:
    """Name the wrong answer to_nhwc gave, when it is one of the usual ones."""
    n, c, h, w = x.shape
    if not isinstance(got, torch.Tensor):
        return "return the permuted tensor."
    swapped = x.transpose(1, 3)
    if got.shape == swapped.shape and torch.equal(got, swapped):
        return (
            "transpose(1, 3) (or permute(0, 3, 2, 1), the same tensor), which gives "
            "(N, W, H, C): H and W trade places too. Use permute(0, 2, 3, 1)."
        )
    inverse = x.permute(0, 3, 1, 2)
    if got.shape == inverse.shape and torch.equal(got, inverse):
        return (
            "permute(0, 3, 1, 2), the inverse permutation (it turns NHWC into NCHW): permute's "
            "arguments say which input axis goes to each output place, so (N, H, W, C) is "
            "permute(0, 2, 3, 1)."
        )
    regrouped = x.reshape(n, h, w, c)
    if got.shape == regrouped.shape and torch.equal(got, regrouped):
        return (
            "view/reshape to (N, H, W, C): they regroup memory, never move axes, so the "
            "values land in the wrong places. Use permute(0, 2, 3, 1)."
        )
    return "axes moved in the wrong order: out[n, h, w, c] must be x[n, c, h, w]."


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("square", [False, True], ids=["H!=W", "H==W"])
def test_to_nhwc_moves_axes_as_a_view(seed, square, device):
    x = random_images(seed, device, square)
    what = f"to_nhwc(x) for x of shape {tuple(x.shape)}"
    got = kata.to_nhwc(x)
    assert_tensor_close(got, loop_nhwc(x), what=what, mistake=_why_not_nhwc(got, x))
    if not shares_storage(got, x):
        raise AssertionError(
            f"{what} made a copy; permute returns a view. Likely mistake: .contiguous() "
            f"after permute (a copy the caller did not ask for)."
        )


def _why_not_flat(got, x: torch.Tensor) -> str:
    """Name the wrong order flatten_nhwc gave, when it is one of the usual ones."""
    n = x.shape[0]
    if not isinstance(got, torch.Tensor) or got.shape != (n, x[0].numel()):
        return "the result should be (N, H*W*C): one row per sample."
    if torch.equal(got, x.reshape(n, -1)):
        return (
            "no permute: reshape/view never move elements, they only regroup them, so "
            "flattening (N, C, H, W) directly gives C-major order. Permute to (N, H, W, C) first."
        )
    if torch.equal(got, x.transpose(1, 3).reshape(n, -1)):
        return (
            "transpose(1, 3) before flattening: it gives (N, W, H, C), so the pixels come "
            "column by column. Permute to (N, H, W, C) (permute(0, 2, 3, 1)) first."
        )
    return "the elements are not in (H, W, C) order: out[n] lists pixel (0, 0)'s C channels first."


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "sliced", "transposed"])
def test_flatten_nhwc_orders_channels_last(seed, layout, device):
    x = random_images(seed, device)
    if layout == "channels_last":
        x = x.contiguous(memory_format=torch.channels_last)
    elif layout == "sliced":
        x = x[:, :, :, 1:]
    elif layout == "transposed":  # H and W swapped by a transpose: strides out of order
        x = x.transpose(2, 3)
    before = x.clone()
    n = x.shape[0]
    what = f"flatten_nhwc(x) for {layout} x of shape {tuple(x.shape)}"
    try:
        got = kata.flatten_nhwc(x)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "view size is not compatible" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: view() cannot serve a permuted "
            f"(non-contiguous) tensor; reshape copies when it must (or call .contiguous() first)."
        ) from err
    assert_tensor_close(
        got,
        loop_nhwc(x).reshape(n, math.prod(x.shape[1:])),
        what=what,
        mistake=_why_not_flat(got, x),
    )
    assert_tensor_close(x, before, what=f"x after {what}", mistake="x changed in place.")


# ----------------------------------------------------------------------------- task 4


def _grow(x, n, what):
    __tracebackhide__ = True
    try:
        return kata.grow_rows(x, n)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "require grad" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: resize_ on a tensor that "
            f"requires grad (or on a clone of one, which is still in the graph); detach first."
        ) from err


def _check_grown(got, x, n, what):
    __tracebackhide__ = True
    rows, cols = x.shape
    expected = torch.cat([x.detach(), torch.zeros(n, cols, dtype=x.dtype, device=x.device)])
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        if n == 0 and bool((got == 0).all()) and bool((x != 0).any()):
            raise AssertionError(
                f"{what}: every row is zero, but with n = 0 nothing should be. Likely mistake: "
                f"out[-n:] = 0; with n = 0 that is out[0:], the whole tensor. Index the new "
                f"rows from the old row count: out[rows:] = 0."
            )
        top_ok = torch.equal(got[:rows], expected[:rows])
        if not top_ok and torch.equal(got.flatten()[: x.numel()], x.t().flatten()):
            raise AssertionError(
                f"{what}: the first {rows} rows are scrambled: they hold x's elements in x's "
                f"memory order (x is transposed). Likely mistake: resize_ keeps the storage's "
                f"memory order, and clone() kept x's transposed layout; clone with "
                f"memory_format=torch.contiguous_format (or .contiguous()) first."
            )
        if top_ok and not torch.equal(got[rows:], expected[rows:]):
            raise AssertionError(
                f"{what}: the {n} new rows are not zero (max |value| "
                f"{got[rows:].abs().max().item():.3g}). Likely mistake: resize_ leaves new memory "
                f"uninitialised; fill the new rows with zeros."
            )
    assert_tensor_close(got, expected, what=what)
    if got.requires_grad or got.grad_fn is not None:
        raise AssertionError(f"{what} returned a tensor attached to a graph; detach it.")
    if shares_storage(got, x):
        raise AssertionError(
            f"{what} returned a tensor that shares x's storage; it must be a private copy. "
            f"Likely mistake: x.detach(), a view of x, or x.contiguous() (which returns x itself "
            f"when x is already contiguous) taken for a copy: detach() shares x's memory, and so "
            f"do the others, so resize_ on them reallocates x's own storage. clone() first."
        )
    if not got.is_contiguous():
        raise AssertionError(
            f"{what} returned a non-contiguous tensor (strides {got.stride()}); the docstring "
            f"promises a contiguous one."
        )


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(5))
def test_grow_rows_appends_zeros_and_leaves_x_alone(seed, device):
    gen = torch.Generator().manual_seed(seed)
    rows, cols, n = torch.randint(1, 6, (3,), generator=gen).tolist()
    x = torch.randn(rows, cols, generator=gen).to(device)
    before = x.clone()
    what = f"grow_rows(x, {n}) for x of shape {tuple(x.shape)}"
    junk = torch.full((rows + n + 4, cols + 4), float("nan"), device=device)
    del junk  # freed memory full of NaN: resize_ may hand it back uninitialised
    got = _grow(x, n, what)
    if x.shape != before.shape:
        raise AssertionError(
            f"{what} changed the caller's x: its shape is now {tuple(x.shape)}, was "
            f"{tuple(before.shape)}. Likely mistake: x.resize_(...) on the argument itself; "
            f"resize_ works in place, so resize a private copy."
        )
    assert_tensor_close(x, before, what=f"x after {what}", mistake="x changed in place.")
    _check_grown(got, x, n, what)


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(3))
def test_grow_rows_of_transposed_view(seed, device):
    gen = torch.Generator().manual_seed(10 + seed)
    cols, rows, n = torch.randint(2, 6, (3,), generator=gen).tolist()
    x = torch.randn(cols, rows + 1, generator=gen).to(device).t()  # (rows + 1, cols), strided
    what = f"grow_rows(x, {n}) for a transposed x of shape {tuple(x.shape)}"
    _check_grown(_grow(x, n, what), x, n, what)


@pytest.mark.task(4)
def test_grow_rows_by_zero_rows_is_a_copy_of_x(device):
    """grow_rows(x, 0): a fresh copy of x, nothing zeroed"""
    gen = torch.Generator().manual_seed(20)
    x = torch.randn(3, 4, generator=gen).to(device) + 5  # no zeros
    what = "grow_rows(x, 0) for x of shape (3, 4)"
    _check_grown(_grow(x, 0, what), x, 0, what)


@pytest.mark.task(4)
def test_grow_rows_of_tensor_that_requires_grad(device):
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(3, 4, generator=gen).to(device).requires_grad_(True)
    what = "grow_rows(x, 2) for x with requires_grad=True"
    _check_grown(_grow(x, 2, what), x, 2, what)
    if not x.requires_grad or x.shape != (3, 4):
        raise AssertionError(f"{what} changed the caller's x (its shape or requires_grad).")
