"""Tests for kata 10: backward(gradient=...), accumulation and retain_graph, against torch."""

from collections.abc import Callable

import pytest
import torch
from torch.autograd.functional import vjp as torch_vjp

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def rand(gen: torch.Generator, *shape, device) -> torch.Tensor:
    return torch.randn(shape, generator=gen, dtype=torch.float64).to(device)


def random_map(seed: int, device) -> tuple[str, tuple[int, ...], Callable]:
    """A non-elementwise f with a random input shape and random weights."""
    gen = torch.Generator().manual_seed(seed)
    kind = seed % 6
    if kind == 0:
        a = rand(gen, 4, 3, device=device)
        return "x -> tanh(A @ x), A (4, 3)", (3,), lambda x: torch.tanh(a @ x)
    if kind == 1:
        return "x -> softmax(x, dim=-1), x (2, 5)", (2, 5), lambda x: torch.softmax(x, -1)
    if kind == 2:
        return "x -> cumsum(x**2, 0), x (6,)", (6,), lambda x: torch.cumsum(x**2, 0)
    if kind == 3:
        b = rand(gen, 3, 2, device=device)
        return "x -> (x @ B).sin().T, x (4, 3)", (4, 3), lambda x: (x @ b).sin().T
    if kind == 4:
        return "x -> outer(x, x), x (3,)", (3,), lambda x: torch.outer(x, x)
    return "x -> stack([x, x**2, exp(x)]), x 0-d", (), lambda x: torch.stack([x, x**2, x.exp()])


def check_caller_x(x: torch.Tensor, requires_grad: bool, grad, what: str) -> None:
    __tracebackhide__ = True
    if x.requires_grad != requires_grad:
        raise AssertionError(
            f"{what} changed the caller's x: its requires_grad went from {requires_grad} to "
            f"{x.requires_grad}, expected it kept. Likely mistake: x.requires_grad_() on the "
            f"caller's own tensor; make a fresh leaf with x.detach().requires_grad_()."
        )
    same_grad = (x.grad is None and grad is None) or (
        x.grad is not None and grad is not None and torch.equal(x.grad, grad)
    )
    if not same_grad:
        before = "None" if grad is None else "a gradient of its own"
        after = (
            "None"
            if x.grad is None
            else "the same tensor with other values"
            if grad is not None and x.grad.shape == grad.shape
            else f"a tensor of shape {tuple(x.grad.shape)}"
        )
        raise AssertionError(
            f"{what} changed the caller's x: its .grad was {before} before the call and is "
            f"{after} after it, expected it untouched. Likely mistake: calling backward "
            f"through the caller's own tensor (its .grad fills in or accumulates), or "
            f"resetting x.grad afterwards; make a fresh leaf with x.detach().requires_grad_()."
        )


def check_no_graph(t: torch.Tensor, what: str, which: str = "a tensor") -> None:
    __tracebackhide__ = True
    if t.requires_grad or t.grad_fn is not None:
        raise AssertionError(
            f"{what} returned {which} still attached to a graph (requires_grad="
            f"{t.requires_grad}, grad_fn={type(t.grad_fn).__name__ if t.grad_fn else None}), "
            f"expected a plain tensor. Likely mistake: returning it without detach(), or a "
            f"gradient taken with create_graph=True."
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(12))
def test_vjp_equals_torch_functional_vjp(seed, device):
    name, shape, f = random_map(seed, device)
    gen = torch.Generator().manual_seed(1000 + seed)
    x = rand(gen, *shape, device=device)
    expected_y, expected = torch_vjp(f, x, v := rand(gen, *f(x).shape, device=device))
    what = f"vjp(f, x, v) for f: {name}"
    with forbid(
        "torch.autograd.functional.vjp",
        "torch.autograd.functional.jacobian",
        kata=kata,
        why="Use y.backward(gradient=v) and read .grad.",
    ):
        y, g = kata.vjp(f, x, v)
    assert_tensor_close(y, expected_y, what=what + ": y", **TIGHT)
    ones = torch_vjp(f, x, torch.ones_like(v))[1]
    if isinstance(g, torch.Tensor) and g.shape == ones.shape and torch.allclose(g, ones):
        raise AssertionError(
            f"{what}: the product equals the one for v = ones. Likely mistake: ignored the "
            f"vector v; y.sum().backward() weights every output by 1, not by v."
        )
    assert_tensor_close(g, expected, what=what + ": v^T J", **TIGHT)


@pytest.mark.task(1)
@pytest.mark.parametrize("requires_grad, has_grad", [(False, False), (True, False), (True, True)])
def test_vjp_leaves_callers_tensors_alone(requires_grad, has_grad, device):
    gen = torch.Generator().manual_seed(5)
    x = rand(gen, 3, 4, device=device).requires_grad_(requires_grad)
    grad = rand(gen, 3, 4, device=device) if has_grad else None
    x.grad = None if grad is None else grad.clone()  # the caller's own gradient, kept
    v = rand(gen, 3, 4, device=device)
    v_copy = v.clone()
    y, g = kata.vjp(torch.sin, x, v)
    what = f"vjp(torch.sin, x, v) with x.requires_grad={requires_grad}" + (
        " and a .grad of its own" if has_grad else ""
    )
    check_caller_x(x, requires_grad, grad, what)
    if not torch.equal(v, v_copy):
        raise AssertionError(
            f"{what} changed the caller's v: its values differ after the call, expected them "
            f"untouched. Likely mistake: an in-place op on v (v.mul_(), v.div_(), ...)."
        )
    check_no_graph(y, what, "y")
    check_no_graph(g, what, "the gradient g")
    assert_tensor_close(g, v * torch.cos(x.detach()), what=what, **TIGHT)


@pytest.mark.task(1)
def test_vjp_of_non_contiguous_input(device):
    gen = torch.Generator().manual_seed(6)
    x = rand(gen, 5, 3, device=device).T  # a transposed view, (3, 5)
    v = rand(gen, 3, 5, device=device)

    def f(t):
        return torch.softmax(t, dim=0) * t

    expected_y, expected = torch_vjp(f, x, v)
    y, g = kata.vjp(f, x, v)
    assert_tensor_close(y, expected_y, what="vjp(f, x, v) for a transposed x: y", **TIGHT)
    assert_tensor_close(g, expected, what="vjp(f, x, v) for a transposed x: v^T J", **TIGHT)


@pytest.mark.task(1)
@pytest.mark.parametrize("v_shape", [(4,), (12,), (4, 3), (1, 4), (3, 4, 1)])
def test_vjp_rejects_v_of_another_shape(v_shape, device):
    x = torch.ones(3, 4, dtype=torch.float64, device=device)
    v = torch.ones(v_shape, dtype=torch.float64, device=device)
    assert_raises(
        ValueError,
        kata.vjp,
        torch.exp,
        x,
        v,
        what=f"vjp(torch.exp, x of (3, 4), v of {v_shape}): v is not y's shape (3, 4)",
        mistake="no check of v.shape against y.shape: (y * v).sum() would broadcast v silently, "
        "v.reshape(y.shape) accepts any v of 12 elements, and backward(gradient=v) raises "
        "RuntimeError, not ValueError.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("shape", [(3, 2), ()], ids=["matrix", "0-d"])
def test_vjp_of_f_that_ignores_x_is_zero(shape, device):
    gen = torch.Generator().manual_seed(8)
    x = rand(gen, *shape, device=device)
    const = rand(gen, 4, device=device)
    v = rand(gen, 4, device=device)
    what = f"vjp(f, x, v) for f(x) = a constant (4,) tensor, x of shape {shape}"
    try:
        y, g = kata.vjp(lambda _x: const * 2, x, v)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "does not require grad" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: when y does not depend on x "
            f"(y.requires_grad is False), y.backward() has no graph to walk: the Jacobian is "
            f"zero, so return torch.zeros_like(x)."
        ) from err
    assert_tensor_close(y, const * 2, what=what + ": y")
    check_no_graph(g, what, "the gradient g")
    assert_tensor_close(
        g,
        torch.zeros_like(x),
        what=what + ": v^T J",
        mistake="a constant has a zero Jacobian: g is zeros of x's shape, dtype and device.",
    )


# ----------------------------------------------------------------------------- task 2


def mse_loss(w: torch.Tensor, batch) -> torch.Tensor:
    inputs, targets = batch
    return ((inputs @ w - targets) ** 2).mean()


def make_batches(gen: torch.Generator, n: int, device):
    return [(rand(gen, 5, 3, device=device), rand(gen, 5, device=device)) for _ in range(n)]


def accumulate(loss_fn, w, batches, what: str):
    """Call the learner's function, recording w.grad each time loss_fn is called."""
    __tracebackhide__ = True
    seen: list[torch.Tensor | None] = []
    order: list[int] = []

    def recording_loss(w_, batch):
        seen.append(None if w.grad is None else w.grad.clone())
        order.extend(k for k, b in enumerate(batches) if b is batch)
        return loss_fn(w_, batch)

    got = kata.accumulate_gradients(recording_loss, w, batches)
    if len(seen) != len(batches):
        raise AssertionError(
            f"{what} called loss_fn {len(seen)} times for {len(batches)} batches, expected "
            f"exactly one call per batch. Likely mistake: "
            + (
                "a batch skipped (a loop over batches[1:] or range(len(batches) - 1))."
                if len(seen) < len(batches)
                else "a batch's loss computed twice (once to check, once to backward)."
            )
        )
    if order != list(range(len(batches))):
        raise AssertionError(
            f"{what} called loss_fn with the batches in the order {order}, expected them in "
            f"order {list(range(len(batches)))}. Likely mistake: iterating reversed(batches) "
            f"or a reordered copy; the docstring asks for one call per batch, in order."
        )
    return got, seen


@pytest.mark.task(2)
@pytest.mark.parametrize("n", [1, 3, 5])
def test_accumulated_gradient_is_gradient_of_mean_loss(n, device):
    gen = torch.Generator().manual_seed(n)
    w = rand(gen, 3, device=device).requires_grad_(True)
    stale = rand(gen, 3, device=device)
    w.grad = stale.clone()
    w_before = w.detach().clone()
    batches = make_batches(gen, n, device)
    what = f"accumulate_gradients(mse_loss, w, {n} batches) with a stale w.grad"
    got, _ = accumulate(mse_loss, w, batches, what)
    assert_tensor_close(
        w.detach(),
        w_before,
        what=what + ": w's values afterwards (the caller's w changed)",
        mistake="an in-place op on w itself (w.data.zero_() or w.detach().zero_() instead of "
        "w.grad = None, or an optimizer step): only w.grad may change.",
    )
    loss = torch.stack([mse_loss(w, b) for b in batches]).mean()
    (expected,) = torch.autograd.grad(loss, w)
    if got is not w.grad:
        raise AssertionError(
            f"{what} should return w.grad itself (the same tensor object), got "
            + (
                "None. Likely mistake: no return statement, or w.grad read before any "
                "backward() ran."
                if got is None
                else "another object. Likely mistake: returning w.grad.clone() or "
                ".detach().clone(): the caller expects the tensor that backward() filled in."
            )
        )
    if torch.allclose(got, expected + stale):
        raise AssertionError(
            f"{what}: the result includes the stale gradient. Likely mistake: did not zero "
            f"w.grad first (set w.grad = None before the first backward)."
        )
    if n > 1 and torch.allclose(got, expected * n):
        raise AssertionError(
            f"{what}: the result is {n} times too large: the sum instead of the mean. Divide "
            f"each batch loss by the number of batches before backward()."
        )
    assert_tensor_close(got, expected, what=what, **TIGHT)


@pytest.mark.task(2)
@pytest.mark.parametrize("n", [2, 4, 8])
def test_accumulation_arithmetic_is_exact(n, device):
    # integers and a power-of-two count: every partial sum is exact in float64
    gen = torch.Generator().manual_seed(10 + n)
    w = torch.randint(-9, 10, (4,), generator=gen).double().to(device).requires_grad_(True)
    batches = [torch.randint(-9, 10, (4,), generator=gen).double().to(device) for _ in range(n)]
    got, seen = accumulate(lambda w, b: (w * b).sum(), w, batches, f"accumulate, {n} batches")
    expected = torch.stack(batches).mean(dim=0)
    if not torch.equal(got, expected):
        # the gradient of sum(w * b) is b: which batches survived, with what scale, tells why
        last = batches[-1]
        if torch.equal(got, last / n) or torch.equal(got, last):
            why = (
                "zeroed w.grad inside the loop (w.grad equals the last batch's gradient "
                "alone: only the last batch survives)."
            )
        elif torch.equal(got, torch.stack(batches).sum(dim=0)):
            why = "summed instead of averaging (w.grad equals the sum of the batches)."
        else:
            why = (
                "zeroed w.grad inside the loop (only the last batch survives), summed "
                "instead of averaging, or a scale other than 1 / len(batches)."
            )
        raise AssertionError(
            f"accumulate_gradients for the linear loss sum(w * b) over {n} integer batches "
            f"returned {got.tolist()}, expected exactly the mean of the batches "
            f"{expected.tolist()}. Likely mistake: {why}"
        )
    for k in range(1, n):
        partial = torch.stack(batches[:k]).sum(dim=0) / n
        if seen[k] is None or not torch.equal(seen[k], partial):
            if seen[k] is None or not bool(seen[k].any()):
                why = (
                    "no backward() ran between the loss_fn calls: every batch's loss was "
                    "computed first (one backward() on the summed losses, or a backward() "
                    "per loss afterwards), so all graphs were in memory at once."
                )
            elif torch.equal(seen[k], partial * n):
                why = (
                    "unscaled backward() per batch and one division of w.grad by "
                    "len(batches) at the end: scale each batch loss by 1 / len(batches) "
                    "before its backward()."
                )
            else:
                why = "a backward() per batch, in order, each of loss / len(batches)."
            raise AssertionError(
                f"when loss_fn was called for batch {k}, w.grad was "
                f"{None if seen[k] is None else seen[k].tolist()}, expected the accumulated "
                f"{partial.tolist()} (batches 0..{k - 1}, each scaled by 1/{n}). Likely "
                f"mistake: {why}"
            )


@pytest.mark.task(2)
def test_accumulate_takes_a_loss_of_shape_one(device):
    """A loss_fn returning shape (1,), not 0-d, works: expected the mean loss's gradient."""
    gen = torch.Generator().manual_seed(40)
    w = rand(gen, 3, device=device).requires_grad_(True)
    batches = make_batches(gen, 3, device)

    def loss_1(w_, batch):  # a single-element tensor of shape (1,), not 0-d
        return mse_loss(w_, batch).reshape(1)

    got, _ = accumulate(loss_1, w, batches, "accumulate_gradients with losses of shape (1,)")
    (expected,) = torch.autograd.grad(torch.stack([mse_loss(w, b) for b in batches]).mean(), w)
    assert_tensor_close(
        got,
        expected,
        what="accumulate_gradients(loss_fn, w, 3 batches) for a loss_fn returning shape (1,)",
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.task(2)
def test_accumulate_rejects_no_batches(device):
    w = torch.ones(2, device=device, requires_grad=True)
    assert_raises(
        ValueError,
        kata.accumulate_gradients,
        mse_loss,
        w,
        [],
        what="accumulate_gradients(mse_loss, w, []) with no batches",
        mistake="no check for an empty batches: the loop never runs and w.grad is left None "
        "(or a division by len(batches) == 0).",
    )


# ----------------------------------------------------------------------------- task 3


def random_heads(gen: torch.Generator, k: int, device):
    weights = [rand(gen, 3, device=device) for _ in range(k)]
    return [lambda h, c=c, p=p: (torch.tanh(h @ c) ** p).sum() for p, c in enumerate(weights, 1)]


class Forward:
    """f(x) = sin(x) * x @ W: saves tensors for backward; counts calls, keeps the output."""

    def __init__(self, gen: torch.Generator, device) -> None:
        self.weight = rand(gen, 4, 3, device=device)
        self.calls = 0
        self.hidden: torch.Tensor | None = None

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        self.hidden = (torch.sin(x) * x) @ self.weight  # (N, 3)
        return self.hidden


def separate(f, heads, x, what: str):
    __tracebackhide__ = True
    try:
        return kata.separate_gradients(f, heads, x)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "second time" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Expected every head's backward() to run "
            f"through the one shared graph. Likely mistake: the first backward() freed "
            f"the graph; pass retain_graph=True to every backward but the last."
        ) from err


@pytest.mark.task(3)
@pytest.mark.parametrize("k", [1, 2, 4])
def test_each_gradient_is_for_its_own_head(k, device):
    gen = torch.Generator().manual_seed(20 + k)
    f, heads = Forward(gen, device), random_heads(gen, k, device)
    x = rand(gen, 5, 4, device=device)
    what = f"separate_gradients(f, {k} heads, x)"
    got = separate(f, heads, x, what)
    if f.calls != 1:
        raise AssertionError(
            f"{what} called f {f.calls} times; the shared forward pass must run once. "
            + (
                "Likely mistake: recomputing f(x) for each head instead of retain_graph=True."
                if f.calls > 1
                else "Likely mistake: f never called: h = f(leaf) once, then every head(h)."
            )
        )
    if not isinstance(got, list) or len(got) != k:
        raise AssertionError(
            f"{what} should return a list of {k} gradients (one per head, in order), got "
            f"{type(got).__name__}"
            + (f" of length {len(got)}" if isinstance(got, list | tuple) else "")
            + "."
        )
    oracle_f = Forward(gen, device)
    oracle_f.weight = f.weight
    total = torch.zeros_like(x)
    for i, head in enumerate(heads):
        leaf = x.clone().requires_grad_(True)
        (expected,) = torch.autograd.grad(head(oracle_f(leaf)), leaf)
        total += expected
        check_no_graph(got[i], what, f"gradient {i}")
        if i > 0 and torch.allclose(got[i], total):
            raise AssertionError(
                f"{what}: gradient {i} is the sum of heads 0..{i}: the gradients accumulated. "
                f"Read .grad after each backward, then set it to None."
            )
        assert_tensor_close(got[i], expected, what=f"{what}: gradient of head {i}", **TIGHT)


@pytest.mark.task(3)
def test_graph_is_freed_after_last_head(device):
    gen = torch.Generator().manual_seed(30)
    f, heads = Forward(gen, device), random_heads(gen, 3, device)
    x = rand(gen, 2, 4, device=device)
    separate(f, heads, x, "separate_gradients(f, 3 heads, x)")
    try:
        f.hidden.sum().backward()
    except RuntimeError as err:
        if "second time" not in str(err):
            raise
        return  # freed: a second backward without retain_graph raises, as it should
    raise AssertionError(
        "after separate_gradients(f, 3 heads, x), a further backward through f's output still "
        "worked: the graph is still alive, expected it freed by the last head's backward(). "
        "Likely mistake: retain_graph=True on the last backward too (or create_graph=True, "
        "which also retains it), which keeps every saved tensor in memory."
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("requires_grad, has_grad", [(False, False), (True, False), (True, True)])
def test_separate_gradients_leaves_caller_alone(requires_grad, has_grad, device):
    gen = torch.Generator().manual_seed(31)
    f, heads = Forward(gen, device), random_heads(gen, 2, device)
    x = rand(gen, 3, 4, device=device).requires_grad_(requires_grad)
    grad = rand(gen, 3, 4, device=device) if has_grad else None
    x.grad = None if grad is None else grad.clone()
    before = x.detach().clone()
    what = f"separate_gradients(f, 2 heads, x) with x.requires_grad={requires_grad}" + (
        " and a .grad of its own" if has_grad else ""
    )
    separate(f, heads, x, what)
    check_caller_x(x, requires_grad, grad, what)
    assert_tensor_close(x.detach(), before, what=what + ": the caller's x values afterwards")


@pytest.mark.task(3)
def test_separate_gradients_rejects_no_heads(device):
    gen = torch.Generator().manual_seed(32)
    assert_raises(
        ValueError,
        kata.separate_gradients,
        Forward(gen, device),
        [],
        rand(gen, 3, 4, device=device),
        what="separate_gradients(f, [], x) with no heads",
        mistake="no check for an empty heads: the loop never runs and [] comes back.",
    )
