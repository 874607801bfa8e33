"""Tests for kata 07: in-place updates that autograd accepts, and the leaf rules."""

import pytest
import torch

from torchkatas.harness import assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

INPLACE_ERROR = "modified by an inplace operation"
LEAF_ERROR = "leaf Variable that requires grad"


def expect_backward_error(unsafe, x: torch.Tensor, *args) -> None:
    """The premise: the unsafe snippet really does fail in backward on this torch."""
    __tracebackhide__ = True
    leaf = x.detach().requires_grad_(True)
    try:
        unsafe(leaf, *args).sum().backward()
    except RuntimeError as err:
        if INPLACE_ERROR in str(err):
            return
        raise
    raise AssertionError("the unsafe snippet ran without error: this torch no longer needs the fix")


def forward_backward(fn, x: torch.Tensor, upstream: torch.Tensor, what: str, *args):
    """(output, x.grad) for fn(x, *args), with the learner's autograd failures explained."""
    __tracebackhide__ = True
    leaf = x.detach().requires_grad_(True)
    try:
        out = fn(leaf, *args)
        if not isinstance(out, torch.Tensor) or out.grad_fn is None:
            raise AssertionError(
                f"{what} returned a tensor with no autograd graph (grad_fn is None), so no "
                f"gradient reaches x. Likely mistake: .detach() or .data to dodge the in-place "
                f"error; build the result out of place instead."
            )
        out.backward(upstream)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if INPLACE_ERROR in str(err):
            raise AssertionError(
                f"backward through {what} raised: {err}. Likely mistake: an in-place write "
                f"(/=, [mask] = 0, masked_fill_) into a tensor autograd saved for backward "
                f"(exp and tanh save their outputs); compute a new tensor instead."
            ) from err
        raise
    return out.detach(), leaf.grad


def random_input(seed: int, device, shape=None) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    if shape is None:
        shape = tuple(torch.randint(1, 6, (2,), generator=gen).tolist())
    return (torch.randn(shape, generator=gen, dtype=torch.float64) * 3).to(device)


# ----------------------------------------------------------------------------- task 1


def unsafe_softmax(x):
    e = x.exp()
    e /= e.sum(dim=-1, keepdim=True)  # exp saved e for backward
    return e


def _softmax(x):
    with forbid(
        "torch.softmax",
        "torch.nn.functional.softmax",
        "torch.Tensor.softmax",
        kata=kata,
        why="Write it from exp and a division.",
    ):
        return kata.softmax_rows(x)


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(5))
def test_softmax_rows_backward_works_and_matches_torch(seed, device):
    x = random_input(seed, device)
    upstream = random_input(100 + seed, device, x.shape)
    expect_backward_error(unsafe_softmax, x)
    what = f"softmax_rows(x) for x of shape {tuple(x.shape)}"
    before = x.clone()
    out, grad = forward_backward(_softmax, x, upstream, what)
    ref = x.detach().requires_grad_(True)
    expected = torch.softmax(ref, dim=-1)
    expected.backward(upstream)
    assert_tensor_close(out, expected.detach(), what=what)
    assert_tensor_close(
        grad,
        ref.grad,
        what=f"the gradient of {what}",
        mistake="part of the computation detached from the graph (.data or .detach() on "
        "something that depends on x).",
    )
    assert_tensor_close(x, before, what=f"x after {what}", mistake="x was changed in place.")


@pytest.mark.task(1)
def test_softmax_rows_does_not_overflow(device):
    x = torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]], device=device)
    got = _softmax(x)
    assert_tensor_close(
        got,
        torch.softmax(x, dim=-1),
        what="softmax_rows(x) for entries of size 1000",
        mistake="exp(1000) overflows to inf (inf / inf is nan): subtract each row's max first.",
        equal_nan=False,
    )


@pytest.mark.task(1)
def test_softmax_rows_passes_gradcheck(device):
    x = random_input(9, device, (3, 4)).requires_grad_(True)
    torch.autograd.gradcheck(_softmax, (x,))


# ----------------------------------------------------------------------------- task 2


def unsafe_masked_tanh(x, mask):
    h = torch.tanh(x)
    h[mask] = 0  # tanh saved h for backward
    return h


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(5))
def test_masked_tanh_backward_works_and_matches(seed, device):
    x = random_input(seed, device)
    gen = torch.Generator().manual_seed(50 + seed)
    mask = (torch.rand(x.shape, generator=gen) < 0.5).to(device)
    mask.view(-1)[0] = True  # at least one masked position
    upstream = random_input(100 + seed, device, x.shape)
    expect_backward_error(unsafe_masked_tanh, x, mask)
    what = f"masked_tanh(x, mask) for x of shape {tuple(x.shape)}"
    before = x.clone()
    out, grad = forward_backward(kata.masked_tanh, x, upstream, what, mask)
    zero = torch.zeros((), dtype=x.dtype, device=device)
    expected = torch.where(mask, zero, torch.tanh(x))
    expected_grad = torch.where(mask, zero, upstream * (1 - torch.tanh(x) ** 2))
    assert_tensor_close(out, expected, what=what, mistake="masked positions not zero.")
    assert_tensor_close(
        grad,
        expected_grad,
        what=f"the gradient of {what}",
        mistake="the write into tanh's output was hidden from autograd (.data or a detached "
        "alias), so backward used the modified values: the gradient is silently wrong. "
        "Build the result out of place (torch.where or masked_fill).",
    )
    assert_tensor_close(x, before, what=f"x after {what}", mistake="x was changed in place.")


# ----------------------------------------------------------------------------- task 3


def check_still_a_parameter(w: torch.Tensor, what: str) -> None:
    __tracebackhide__ = True
    if not (w.is_leaf and w.requires_grad and w.grad_fn is None):
        raise AssertionError(
            f"{what}: w is no longer a leaf that requires grad (is_leaf={w.is_leaf}, "
            f"requires_grad={w.requires_grad}, grad_fn={w.grad_fn}). Likely mistake: the "
            f"update was recorded by autograd; do it under torch.no_grad()."
        )


def _leaf_call(fn, *args, what: str):
    __tracebackhide__ = True
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if LEAF_ERROR in str(err):
            raise AssertionError(
                f"{what} raised: {err}. Likely mistake: an in-place op on a leaf that requires "
                f"grad outside torch.no_grad(); wrap the update in `with torch.no_grad():`."
            ) from err
        raise


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("values_dtype", [torch.float32, torch.float64])
def test_assign_writes_into_the_leaf(seed, values_dtype, device):
    w = random_input(seed, device).float().requires_grad_(True)
    w.grad = torch.full_like(w, 0.5)
    values = random_input(10 + seed, device, w.shape).to(values_dtype)
    row = w[0]  # a view taken before the call: it must see the new values
    with pytest.raises(RuntimeError, match=LEAF_ERROR):
        w.add_(1.0)  # the premise: in-place on a leaf that requires grad is refused
    what = f"assign_(w, values) for a float32 w of shape {tuple(w.shape)}, {values_dtype} values"
    got = _leaf_call(kata.assign_, w, values, what=what)
    if got is not w:
        raise AssertionError(
            f"{what} returned a new tensor instead of w itself; the caller's w (and the "
            f"optimiser holding it) never sees the values. Likely mistake: values.clone() "
            f"with requires_grad_(); copy into w in place."
        )
    check_still_a_parameter(w, what)
    if w.dtype != torch.float32:
        raise AssertionError(
            f"{what} changed w's dtype to {w.dtype}. Likely mistake: w.data = values swaps in "
            f"values' storage; w.copy_(values) converts into w's own."
        )
    assert_tensor_close(w.detach(), values.float(), what=f"w after {what}")
    assert_tensor_close(
        row.detach(),
        values[0].float(),
        what=f"a view of w[0] taken before {what}",
        mistake="w.data = values replaces w's storage, so existing views (and optimiser "
        "state pointing at the old memory) keep the old values; copy_ writes in place.",
    )
    assert_tensor_close(
        w.grad, torch.full_like(w, 0.5), what=f"w.grad after {what}", mistake="grad changed."
    )


# ----------------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(4))
def test_sgd_step_updates_in_place_and_clears_grads(seed, device):
    gen = torch.Generator().manual_seed(seed)
    lr = float(torch.rand((), generator=gen)) + 0.1
    params = [random_input(seed + k, device).requires_grad_(True) for k in range(3)]
    unused = random_input(seed + 7, device).requires_grad_(True)
    loss = sum((p**2 * (k + 1)).sum() for k, p in enumerate(params))
    loss.backward()
    before = [p.detach().clone() for p in params]
    grads = [p.grad.clone() for p in params]
    ptrs = [p.data_ptr() for p in params]
    unused_before = unused.detach().clone()
    what = f"sgd_step_(params, lr={lr:.3f})"
    result = _leaf_call(kata.sgd_step_, [*params, unused], lr, what=what)
    if result is not None:
        raise AssertionError(f"{what} should update in place and return None, got {result!r:.60}.")
    for k, p in enumerate(params):
        check_still_a_parameter(p, f"parameter {k} after {what}")
        assert_tensor_close(
            p.detach(),
            before[k] - lr * grads[k],
            what=f"parameter {k} after {what}",
            mistake="p = p - lr * p.grad rebinds the loop variable and leaves the parameter "
            "unchanged; update it in place (p -= ..., p.sub_(...)).",
        )
        if p.data_ptr() != ptrs[k]:
            raise AssertionError(
                f"parameter {k} after {what} lives in new memory. Likely mistake: p.data = "
                f"p - lr * p.grad; an optimiser must update the existing storage."
            )
        if p.grad is not None:
            raise AssertionError(
                f"parameter {k}.grad after {what} is still set; expected None. Likely mistake: "
                f"the gradients were not cleared, so the next backward would add to them."
            )
    assert_tensor_close(
        unused.detach(),
        unused_before,
        what=f"a parameter with grad None after {what}",
        mistake="a parameter without a gradient must be skipped.",
    )
