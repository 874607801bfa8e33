"""Tests for kata 04: the broadcasting rules, pairwise distances and outer ops, loop-free."""

from collections import Counter

import pytest
import torch

from torchkatas.harness import (
    assert_raises,
    assert_tensor_close,
    count_torch_calls,
    forbid,
    load_kata,
)

kata = load_kata(__file__)

WHY_BROADCAST = "Work the rules out yourself, in plain Python."
WHY_CDIST = "Pair the rows by broadcasting x[:, None, :] against y[None, :, :]."
# calls that mean the elements went through Python one at a time
PER_ELEMENT = ("tolist", "item", "numpy", "unbind", "__iter__")
SWAPPED_PAIRS = (
    "x[None] - y[:, None] pairs the other way round and gives shape (M, N); out[i, j] "
    "needs x[i] against y[j]: x[:, None, :] - y[None, :, :]."
)


def compatible_pair(gen: torch.Generator) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast: a random result shape, each side with 1s and dims dropped."""
    ndim = int(torch.randint(0, 5, (1,), generator=gen))
    result = torch.randint(2, 6, (ndim,), generator=gen)
    if ndim and torch.rand(1, generator=gen) < 0.2:
        result[int(torch.randint(ndim, (1,), generator=gen))] = 0  # an empty dimension
    shapes = []
    for _ in range(2):
        keep = int(torch.randint(0, ndim + 1, (1,), generator=gen))
        dims = result[ndim - keep :].clone()
        ones = torch.rand(keep, generator=gen) < 0.4
        dims[ones] = 1
        shapes.append(tuple(dims.tolist()))
    return shapes[0], shapes[1]


def _broadcast(a, b):
    __tracebackhide__ = True
    with forbid("torch.broadcast_shapes", "torch.broadcast_tensors", kata=kata, why=WHY_BROADCAST):
        with count_torch_calls() as calls:
            got = kata.broadcast_shape(a, b)
    if calls:
        raise AssertionError(
            f"broadcast_shape({a}, {b}) called torch ({dict(calls)}); it should be plain Python "
            f"on the tuples. Likely mistake: building tensors and adding them to read the shape."
        )
    return got


def check_broadcast_result(a, b, got, expected) -> None:
    __tracebackhide__ = True
    if isinstance(got, tuple) and got == expected:
        return
    if isinstance(got, tuple) and len(got) < len(expected):
        mistake = (
            "the leading dimensions of the longer shape were lost (zip stops at the shorter shape)."
        )
    elif isinstance(got, tuple) and len(got) == len(expected):
        mistake = (
            "aligning at the left instead of the right, or max() of two sizes when one is 1 "
            "and the other 0 (the result is 0)."
        )
    else:
        mistake = "return a tuple of ints, one per dimension of the longer shape."
    raise AssertionError(
        f"broadcast_shape({a}, {b}) returned {got!r}, expected the tuple {expected}. "
        f"Likely mistake: {mistake}"
    )


def _pad(shape, ndim, *, at_left=True):
    ones = (1,) * (ndim - len(shape))
    return ones + tuple(shape) if at_left else tuple(shape) + ones


def spurious_clash_mistake(a, b) -> str:
    """Why a ValueError came for shapes that broadcast, told apart by which pairs clash."""
    ndim = max(len(a), len(b))
    left = zip(_pad(a, ndim, at_left=False), _pad(b, ndim, at_left=False), strict=True)
    right = zip(_pad(a, ndim), _pad(b, ndim), strict=True)
    causes = []
    if any(x != y and 1 not in (x, y) for x, y in left):
        causes.append(
            "aligning the shapes at the left; broadcasting aligns the last dimensions (the "
            "right) and pads the shorter shape with leading 1s"
        )
    if any(x != y for x, y in right):
        causes.append(
            "a check that demands equal sizes: a size of 1 faces any size and stretches to it"
        )
    if not causes:
        causes.append("a clash check that rejects sizes which are equal or where one is 1")
    return ", or ".join(causes) + "."


def _returns_a_shape(a, b) -> bool:
    """Whether broadcast_shape(a, b) returns at all (a probe; a refusal of any kind is False)."""
    try:
        _broadcast(a, b)
    except (NotImplementedError, AssertionError):
        raise  # not started, or a forbidden call: those messages say it best
    except Exception:
        return False
    return True


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_broadcast_shape_agrees_with_torch(seed):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(40):
        a, b = compatible_pair(gen)
        expected = tuple(torch.broadcast_shapes(a, b))
        what = f"broadcast_shape({a}, {b})"
        try:
            got = _broadcast(a, b)
        except ValueError as err:
            raise AssertionError(
                f"{what} raised ValueError ({err}), but the shapes broadcast to {expected}. "
                f"Likely mistake: {spurious_clash_mistake(a, b)}"
            ) from err
        check_broadcast_result(a, b, got, expected)


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_broadcast_shape_raises_on_incompatible_sizes(seed):
    gen = torch.Generator().manual_seed(100 + seed)
    for _ in range(20):
        a, b = compatible_pair(gen)
        if not a:
            a = (3,)
        # make one aligned pair of sizes clash: both > 1 and different
        i = int(torch.randint(len(a), (1,), generator=gen))
        a = (*a[:i], 5, *a[i + 1 :])
        offset = len(b) - len(a)
        if offset + i >= 0:
            b = (*b[: offset + i], 3, *b[offset + i + 1 :])
        else:
            b = (3, *(1,) * (len(a) - i - 1))
        try:
            got = _broadcast(a, b)
        except ValueError:
            continue
        ndim = max(len(a), len(b))
        maxed = tuple(max(x, y) for x, y in zip(_pad(a, ndim), _pad(b, ndim), strict=True))
        if got == maxed:
            mistake = (
                f"taking max() of the two sizes without checking that they are equal or that "
                f"one is 1 ({got!r} is the max of each aligned pair)."
            )
        else:
            mistake = (
                "the clash check compares the wrong pairs of sizes (aligning at the left?), or "
                "there is no check that the sizes are equal or that one is 1."
            )
        raise AssertionError(
            f"broadcast_shape({a}, {b}) returned {got!r}, expected ValueError: sizes 5 and 3 "
            f"face each other. Likely mistake: {mistake}"
        )


@pytest.mark.task(1)
def test_broadcast_shape_of_scalars_and_empty():
    cases = [
        ((), ()),
        ((), (2, 3)),
        ((4, 1), ()),
        ((1,), (0,)),
        ((0,), (1,)),
        ((0, 1), (1, 7)),
        ((1, 7), (0, 1)),
        ((1, 1), (1,)),
    ]
    for a, b in cases:
        expected = tuple(torch.broadcast_shapes(a, b))
        check_broadcast_result(a, b, _broadcast(a, b), expected)


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "a, b", [((0,), (3,)), ((2, 0), (2, 5)), ((4, 3), (0, 1)), ((0, 4), (5, 4))]
)
def test_broadcast_shape_zero_clashes_with_sizes_above_one(a, b):
    """a size of 0 only broadcasts against 0 or 1: (0,) against (3,) raises"""
    if not _returns_a_shape((5,), (3,)):  # it checks clashes, so the 0 is what slipped through
        mistake = (
            "treating 0 like 1 (a check such as min(x, y) <= 1): only 1 stretches; 0 is a "
            "size like any other, compatible with 0 and 1 alone."
        )
    else:
        mistake = (
            "no clash check at all: (5,) against (3,) returns a shape too. A "
            "pair broadcasts only when the sizes are equal or one is 1 (only 1 stretches; 0 "
            "is a size like any other)."
        )
    assert_raises(
        ValueError,
        _broadcast,
        a,
        b,
        what=f"broadcast_shape({a}, {b}), where a 0 faces a size above 1",
        mistake=mistake,
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("a, b", [((8, 1, 6), (7, 2)), ((3,), (4,)), ((2, 3), (5, 4, 3))])
def test_broadcast_shape_error_names_both_shapes(a, b):
    """the ValueError says which two shapes clash, as the caller gave them"""
    err = assert_raises(
        ValueError, _broadcast, a, b, what=f"broadcast_shape({a}, {b}), whose sizes clash"
    )
    message = str(err)
    named = [any(str(form) in message for form in (shape, list(shape))) for shape in (a, b)]
    if not all(named):
        raise AssertionError(
            f"broadcast_shape({a}, {b}) raised ValueError({message!r}), which does not name "
            f"both shapes as given, {a} and {b}. Likely mistake: a message without the shapes, "
            f"or one that shows them after padding with 1s; say which shapes the caller passed: "
            f"f'shapes {{a}} and {{b}} do not broadcast'."
        )


# ----------------------------------------------------------------------------- tasks 2 and 3


def check_calls_do_not_grow(name: str, run_small, run_large) -> None:
    """Run the learner's function at two sizes and compare how many torch calls each made."""
    __tracebackhide__ = True
    counts = []
    for run in (run_small, run_large):
        with count_torch_calls() as calls:
            run()
        counts.append(Counter(calls))
    small, large = counts
    per_element = {k: v for k, v in large.items() if k in PER_ELEMENT}
    if per_element or sum(large.values()) > sum(small.values()):
        raise AssertionError(
            f"{name} made {sum(small.values())} torch calls on small inputs and "
            f"{sum(large.values())} on larger ones (per-element calls: {per_element or 'none'}): "
            f"the number of calls grows with the input size. Likely mistake: a Python loop over "
            f"rows or elements; let broadcasting pair them in one call."
        )


def random_points(gen, n, m, d, device, dtype=torch.float64):
    x = torch.randn(n, d, generator=gen, dtype=dtype).to(device)
    y = torch.randn(m, d, generator=gen, dtype=dtype).to(device)
    return x, y


def distances_mistake(got, x: torch.Tensor, y: torch.Tensor) -> str:
    """The likely mistake behind a wrong pairwise_distances result, read from its shape
    and, where the shape is right, from quick comparisons with cdist."""
    (n, d), m = x.shape, y.shape[0]
    shape = tuple(got.shape) if isinstance(got, torch.Tensor) else None
    if shape == (m, n) and m != n:
        return SWAPPED_PAIRS
    if shape in ((m, d), (n, d)):
        return (
            "summed over a row axis instead of the coordinates: the (N, M, D) differences "
            "must be summed over dim=-1 (D), leaving (N, M)."
        )
    if shape != (n, m):
        return (
            "the pairing or the reduction: out[i, j] is the sqrt of the sum over D of "
            "(x[i] - y[j])**2, from x[:, None, :] - y[None, :, :], shape (N, M)."
        )
    got = got.detach().to(x.device, x.dtype)
    expected = torch.cdist(x, y)
    loose = 1e-6 if x.dtype == torch.float64 else 1e-2
    if bool(torch.isnan(got).any()):
        return (
            "a NaN where cdist has none: sqrt of a negative number, as when ||x||^2 + ||y||^2 "
            "- 2 x.y rounds below 0 for equal points; clamp(min=0) before sqrt, or square the "
            "differences directly."
        )
    if torch.allclose(got, expected**2, atol=loose):
        return "squared distances: the sqrt is missing."
    if n == m and torch.allclose(got.mT, expected, atol=loose):
        return SWAPPED_PAIRS
    if torch.allclose(got, expected, rtol=loose, atol=loose):
        return (
            f"the values are right only to about {loose:g} in {x.dtype}: precision is "
            "lost, as ||x||^2 + ||y||^2 - 2 x.y loses it by cancellation (worst at equal points, "
            "whose distance is 0), or the work is done in a lower dtype; square the differences "
            "(x[:, None, :] - y[None, :, :]) directly, in the input's dtype."
        )
    return (
        "the pairing or the reduction: out[i, j] is the sqrt of the sum over D of "
        "(x[i] - y[j])**2, from x[:, None, :] - y[None, :, :]."
    )


def _distances(x, y):
    __tracebackhide__ = True
    with forbid("torch.cdist", kata=kata, why=WHY_CDIST):
        return kata.pairwise_distances(x, y)


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_pairwise_distances_match_cdist(seed, device):
    gen = torch.Generator().manual_seed(seed)
    # N, M, D all different, so the shape of a wrong answer tells which axis went wrong
    n, m, d = (torch.randperm(8, generator=gen)[:3] + 1).tolist()
    x, y = random_points(gen, n, m, d, device)
    y[0] = x[0]  # a zero distance
    before = (x.clone(), y.clone())
    got = _distances(x, y)
    what = f"pairwise_distances(x, y) for x of shape {tuple(x.shape)}, y of shape {tuple(y.shape)}"
    expected = torch.cdist(x, y)
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        if torch.allclose(got, expected**2, atol=1e-9):
            raise AssertionError(
                f"{what} returned squared distances. Likely mistake: the sqrt is missing."
            )
    assert_tensor_close(
        got,
        expected,
        what=what,
        atol=1e-9,
        rtol=1e-9,
        mistake=distances_mistake(got, x, y),
    )
    assert_tensor_close(x, before[0], what=f"x after {what}", mistake="x was changed in place.")
    assert_tensor_close(y, before[1], what=f"y after {what}", mistake="y was changed in place.")


@pytest.mark.task(2)
def test_pairwise_distances_in_float32_and_single_rows(device):
    gen = torch.Generator().manual_seed(11)
    for n, m, layout in [(1, 1, ""), (1, 5, ""), (6, 1, ""), (0, 4, "empty "), (4, 5, "t")]:
        x, y = random_points(gen, n, m, 3, device, torch.float32)
        if layout == "t":  # non-contiguous: transposed x, strided y
            x = x.t().contiguous().t()
            y = torch.cat([y, y], dim=1)[:, ::2]
            layout = "non-contiguous "
        got = _distances(x, y)
        assert_tensor_close(
            got,
            torch.cdist(x, y),
            what=f"pairwise_distances(x, y) for {layout}float32 x {tuple(x.shape)}, y "
            f"{tuple(y.shape)}",
            atol=1e-5,
            rtol=1e-5,
            mistake=distances_mistake(got, x, y),
        )


@pytest.mark.task(2)
def test_pairwise_distances_has_no_python_loop(device):
    gen = torch.Generator().manual_seed(12)
    small = random_points(gen, 3, 4, 2, device)
    large = random_points(gen, 40, 50, 16, device)
    check_calls_do_not_grow(
        "pairwise_distances(x, y)", lambda: _distances(*small), lambda: _distances(*large)
    )


OPS = {
    "torch.sub": torch.sub,
    "torch.maximum": torch.maximum,
    "torch.atan2": torch.atan2,
    "torch.mul": torch.mul,
}


@pytest.mark.task(3)
@pytest.mark.parametrize("op_name", OPS)
@pytest.mark.parametrize("seed", range(3))
def test_outer_matches_loop(op_name, seed, device):
    op = OPS[op_name]
    gen = torch.Generator().manual_seed(seed)
    n, m = torch.randint(1, 7, (2,), generator=gen).tolist()
    a = torch.randn(n, generator=gen, dtype=torch.float64).to(device)
    b = torch.randn(m + 1, generator=gen, dtype=torch.float64).to(device)
    expected = torch.empty(n, m + 1, dtype=torch.float64, device=device)
    for i in range(n):
        for j in range(m + 1):
            expected[i, j] = op(a[i], b[j])
    before = (a.clone(), b.clone())
    what = f"outer(a, b, {op_name}) for a of shape ({n},), b of shape ({m + 1},)"
    got = kata.outer(a, b, op)
    assert_tensor_close(
        got, expected, what=what, mistake=outer_mistake(got, before[0], before[1], op)
    )
    for name, t, old in [("a", a, before[0]), ("b", b, before[1])]:
        if t.shape != old.shape:
            changed = (
                f"the caller's {name} was reshaped in place: {name}.unsqueeze_(...) reshapes "
                f"it; {name}[:, None] / {name}.unsqueeze(...) make new views."
            )
        else:
            changed = (
                f"the caller's {name} was changed in place: an in-place op (sub_, mul_, out=) "
                f"on {name} or on a view of it."
            )
        assert_tensor_close(t, old, what=f"{name} after {what}", mistake=changed)


def outer_mistake(got, a: torch.Tensor, b: torch.Tensor, op) -> str:
    """Why outer(a, b, op) is wrong, from its shape and from the two swapped pairings."""
    n, m = a.shape[0], b.shape[0]
    rule = "out[i, j] is op(a[i], b[j]), so a needs the trailing axis: a[:, None], b[None, :]."
    shape = tuple(got.shape) if isinstance(got, torch.Tensor) else None
    if shape is not None:
        got = got.detach().to(a.device, a.dtype)
    swapped_axes = op(a[None, :], b[:, None])  # (M, N), op(a[j], b[i])
    swapped_args = op(b[None, :], a[:, None])  # (N, M), op(b[j], a[i])
    if shape == (m, n) and (n != m or torch.allclose(got, swapped_axes)):
        return f"a[None, :] with b[:, None] gives shape (M, N) and op(a[j], b[i]); {rule}"
    if shape == (n, m) and torch.allclose(got, swapped_args):
        swapped = "the arguments of op are swapped: op(b[None, :], a[:, None]) is op(b[j], a[i])"
        return f"{swapped}; {rule}"
    return f"the pairing of a and b: {rule}"


@pytest.mark.task(3)
@pytest.mark.parametrize("n, m", [(1, 4), (3, 1), (1, 1), (0, 2), (3, 0)])
def test_outer_of_length_one_and_empty_vectors(n, m, device):
    """outer keeps the (N, M) shape when N or M is 1 or 0, also for a strided a"""
    gen = torch.Generator().manual_seed(14)
    a = torch.randn(2 * n, generator=gen, dtype=torch.float64).to(device)[::2]  # strided
    b = torch.randn(m, generator=gen, dtype=torch.float64).to(device)
    expected = torch.empty(n, m, dtype=torch.float64, device=device)
    for i in range(n):
        for j in range(m):
            expected[i, j] = a[i] - b[j]
    got = kata.outer(a, b, torch.sub)
    if isinstance(got, torch.Tensor) and got.shape != expected.shape:
        mistake = (
            "squeeze() (or a reshape that infers a size) drops or merges a dimension of "
            "size 1 or 0: the result is (N, M) whatever N and M are."
        )
    else:
        mistake = (
            "the shape is right but the values are not: out[i, j] is a[i] - b[j], from "
            "a[:, None] - b[None, :] (a here is a strided view, a[::2] of a longer tensor)."
        )
    assert_tensor_close(
        got,
        expected,
        what=f"outer(a, b, torch.sub) for a strided a of shape ({n},), b of shape ({m},)",
        mistake=mistake,
    )


@pytest.mark.task(3)
def test_outer_has_no_python_loop(device):
    gen = torch.Generator().manual_seed(13)
    a1, b1 = torch.randn(3, generator=gen).to(device), torch.randn(2, generator=gen).to(device)
    a2, b2 = torch.randn(60, generator=gen).to(device), torch.randn(70, generator=gen).to(device)
    check_calls_do_not_grow(
        "outer(a, b, torch.sub)",
        lambda: kata.outer(a1, b1, torch.sub),
        lambda: kata.outer(a2, b2, torch.sub),
    )
