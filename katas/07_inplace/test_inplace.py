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
        if not isinstance(out, torch.Tensor):
            raise AssertionError(f"{what} returned {type(out).__name__}, expected a tensor.")
        if out.grad_fn is None:
            raise AssertionError(
                f"{what} returned a tensor with no autograd graph (grad_fn is None), so no "
                f"gradient reaches x. Likely mistake: .detach() or .data to dodge the in-place "
                f"error, or the computation under torch.no_grad(); build the result out of "
                f"place instead."
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
        if LEAF_ERROR in str(err):
            raise AssertionError(
                f"{what}, with an x that requires grad, raised: {str(err).rstrip('.')}. "
                f"Likely mistake: an in-place op on the input x itself (x -= ..., "
                f"x[mask] = 0, x.masked_fill_): x is the caller's tensor and must not "
                f"change; compute a new tensor."
            ) from err
        raise
    return out.detach(), leaf.grad


def check_unchanged(what: str, **tensors) -> None:
    """Fail if a caller's tensor differs from its copy: tensors maps name -> (tensor, copy)."""
    __tracebackhide__ = True
    for name, (t, copy) in tensors.items():
        same = t.shape == copy.shape and torch.equal(t.detach().isnan(), copy.isnan())
        if not (same and torch.equal(t.detach().nan_to_num(), copy.nan_to_num())):
            raise AssertionError(
                f"{what} changed the caller's {name} in place. Likely mistake: an in-place op "
                f"on an argument (x -= x.amax(...), x[mask] = 0, masked_fill_, clamp_): the "
                f"caller still holds that tensor; compute a new one."
            )


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


def check_rows_sum_to_one(out, what: str) -> None:
    """Each row of a softmax sums to 1; name the axis that was normalised instead."""
    __tracebackhide__ = True
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        return  # the value comparison reports the type or shape
    rows = out.sum(dim=-1)
    if torch.allclose(rows, torch.ones_like(rows)):
        return
    columns = out.sum(dim=0)
    why = (
        "normalised over dim 0 (each column sums to 1): the sum must run over the last "
        "dimension, e.sum(dim=-1, keepdim=True)."
        if torch.allclose(columns, torch.ones_like(columns))
        else "the division must be by each row's own sum, e.sum(dim=-1, keepdim=True): "
        "dividing by the whole tensor's e.sum(), or by e.sum(dim=-1) without keepdim=True "
        "(it broadcasts along the wrong axis), or a numerator that is not the same exp "
        "that was summed."
    )
    raise AssertionError(
        f"{what}: the rows sum to {[round(v, 4) for v in rows.tolist()[:6]]}, expected 1 each. "
        f"Likely mistake: {why}"
    )


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
    check_rows_sum_to_one(out, what)
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
    what = "softmax_rows(x) for x = [[1000, 1001, 999], [-1000, -1000, -1000]] (float32)"
    if isinstance(got, torch.Tensor) and got.shape == x.shape:
        bad = [i for i in range(2) if not bool(torch.isfinite(got[i]).all())]
        if bad == [0] or bad == [0, 1]:
            raise AssertionError(
                f"{what}: row 0 came back as {got[0].tolist()}. Likely mistake: exp(1000) "
                f"overflows to inf (inf / inf is nan): subtract each row's max first."
            )
        if bad == [1]:
            raise AssertionError(
                f"{what}: row 1 came back as {got[1].tolist()}, row 0 is fine. Likely "
                f"mistake: shifting by the max of the whole tensor (1001) instead of each "
                f"row's own max: exp(-2001) underflows to 0 and 0 / 0 is nan. Use "
                f"x.amax(dim=-1, keepdim=True)."
            )
    assert_tensor_close(
        got,
        torch.softmax(x, dim=-1),
        what=what,
        mistake="subtract each row's own max (x.amax(dim=-1, keepdim=True)) before exp.",
        equal_nan=False,
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("case", ["float32", "transposed", "one column", "one element", "no rows"])
def test_softmax_rows_of_unusual_inputs_leaves_x_unchanged(case, device):
    """softmax_rows on legal but unusual inputs, x not requiring grad: right, and x unchanged."""
    x = random_input(21, device, (4, 5)) * 10
    if case == "float32":
        x = x.float()
    elif case == "transposed":
        x = random_input(22, device, (5, 3)).t()  # (3, 5), non-contiguous
    elif case == "one column":
        x = x[:, :1]
    elif case == "one element":
        x = x[:1, :1]
    else:
        x = x[:0]
    before = x.clone()
    dtype = str(x.dtype).removeprefix("torch.")
    what = f"softmax_rows(x) for x of shape {tuple(x.shape)}, {dtype} ({case})"
    got = _softmax(x)
    check_unchanged(what, x=(x, before))
    if x.numel():
        check_rows_sum_to_one(got, what)
    assert_tensor_close(got, torch.softmax(x, dim=-1), what=what)


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
    if isinstance(out, torch.Tensor) and out.shape == x.shape:
        inverted = torch.where(mask, torch.tanh(x), zero)
        if not torch.allclose(out, expected) and torch.allclose(out, inverted):
            raise AssertionError(
                f"{what}: the result is tanh(x) where mask is True and 0 where it is False, "
                f"the other way round. Likely mistake: torch.where's arguments swapped, "
                f"torch.where(mask, h, 0); it takes (condition, value if True, value if "
                f"False), so torch.where(mask, 0, h) zeroes the masked positions."
            )
    assert_tensor_close(
        out,
        expected,
        what=what,
        mistake="the result is not tanh(x) with the masked positions set to 0 (compare "
        "torch.where(mask, 0, torch.tanh(x))).",
    )
    assert_tensor_close(
        grad,
        expected_grad,
        what=f"the gradient of {what}",
        mistake="the write into tanh's output was hidden from autograd (.data or a detached "
        "alias), so backward used the modified values: the gradient is silently wrong. "
        "Build the result out of place (torch.where or masked_fill).",
    )
    assert_tensor_close(x, before, what=f"x after {what}", mistake="x was changed in place.")


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "shape, dtype",
    [
        ((3, 4), torch.float64),
        ((), torch.float32),
        ((2, 1, 3), torch.float16),
        ((0, 3), torch.float32),
    ],
    ids=["float64", "0-d", "float16 with a size-one dim", "empty"],
)
def test_masked_tanh_leaves_inputs_alone_and_keeps_dtype(shape, dtype, device):
    """masked_tanh on any shape and dtype, x not requiring grad: x and mask unchanged."""
    gen = torch.Generator().manual_seed(60)
    x = (torch.randn(shape, generator=gen) * 3).to(device, dtype)
    mask = (torch.rand(shape, generator=gen) < 0.5).to(device)
    if x.numel():
        mask.view(-1)[0] = True
        x.view(-1)[0] = float("nan")  # masked: the result there is 0 all the same
    x_before, mask_before = x.clone(), mask.clone()
    shown = str(dtype).removeprefix("torch.")
    what = f"masked_tanh(x, mask) for a {shown} x of shape {tuple(x.shape)}"
    got = kata.masked_tanh(x, mask)
    check_unchanged(what, x=(x, x_before), mask=(mask, mask_before))
    if isinstance(got, torch.Tensor) and got.dtype != dtype:
        raise AssertionError(
            f"{what} returned {got.dtype}: the result keeps x's dtype. Likely mistake: a "
            f"float32 tensor in the computation promotes the result: multiplying by "
            f"mask.float(), or zeros made without dtype= (torch.zeros(x.shape) is float32); "
            f"use torch.where(mask, 0, h) or h.masked_fill(mask, 0)."
        )
    zero = torch.zeros((), dtype=dtype, device=device)
    expected = torch.where(mask, zero, torch.tanh(x))
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="masked positions must be exactly 0, even where x is nan or inf: h * ~mask "
        "gives nan * 0 = nan; torch.where or masked_fill replaces the value.",
    )


# ----------------------------------------------------------------------------- task 3


def check_still_a_parameter(w: torch.Tensor, what: str) -> None:
    __tracebackhide__ = True
    if w.is_leaf and not w.requires_grad:
        raise AssertionError(
            f"{what}: w no longer requires grad (requires_grad=False), so no gradient will "
            f"reach it and an optimiser no longer trains it. Likely mistake: "
            f"requires_grad_(False) or detach_() to get past the leaf error, never turned "
            f"back on; do the update under torch.no_grad() instead."
        )
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


def check_assigned(w, got, values, ptr: int, what: str) -> None:
    """w is the same leaf, in its own storage, and the caller's values are untouched."""
    __tracebackhide__ = True
    if got is not w:
        raise AssertionError(
            f"{what} returned a new tensor instead of w itself; the caller's w (and the "
            f"optimiser holding it) never sees the values. Likely mistake: values.clone() "
            f"with requires_grad_(); copy into w in place."
        )
    check_still_a_parameter(w, what)
    if w.data_ptr() != ptr:
        shares = (
            " and now shares the caller's values' memory"
            if w.data_ptr() == (values.data_ptr())
            else ""
        )
        raise AssertionError(
            f"{what}: w no longer uses its own storage{shares}, so views of w taken earlier "
            f"(and an optimiser's state) still see the old memory. Likely mistake: w.data = "
            f"values, or w.set_(values), which swap the storage; w.copy_(values) writes into "
            f"w's own."
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("values_dtype", [torch.float32, torch.float64, torch.float16])
def test_assign_writes_into_the_leaf(seed, values_dtype, device):
    w = random_input(seed, device).float().requires_grad_(True)
    w.grad = torch.full_like(w, 0.5)
    values = random_input(10 + seed, device, w.shape).to(values_dtype)
    values_before = values.clone()
    row = w[0]  # a view taken before the call: it must see the new values
    ptr = w.data_ptr()
    with pytest.raises(RuntimeError, match=LEAF_ERROR):
        w.add_(1.0)  # the premise: in-place on a leaf that requires grad is refused
    what = f"assign_(w, values) for a float32 w of shape {tuple(w.shape)}, {values_dtype} values"
    got = _leaf_call(kata.assign_, w, values, what=what)
    check_assigned(w, got, values, ptr, what)
    check_unchanged(what, values=(values, values_before))
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
    if w.grad is None:
        raise AssertionError(
            f"w.grad after {what} is None; it was a tensor of 0.5 before the call. Likely "
            f"mistake: w.grad = None (or zero_grad) inside assign_: it changes only w's values "
            f"and leaves .grad to the caller."
        )
    assert_tensor_close(
        w.grad,
        torch.full_like(w, 0.5),
        what=f"w.grad after {what}",
        mistake="assign_ changed .grad (zeroed or overwrote it); it changes only w's values.",
    )


@pytest.mark.task(3)
def test_a_graph_that_saved_w_sees_the_assignment(device):
    w = random_input(7, device, (3, 4)).float().requires_grad_(True)
    loss = (w * w).sum()  # the graph saves w: its gradient is 2 * w, read at backward
    values = random_input(8, device, (3, 4))
    version = w._version
    what = "assign_(w, values) after loss = (w * w).sum(), then loss.backward()"
    _leaf_call(kata.assign_, w, values, what=what)
    try:
        loss.backward()
    except RuntimeError as err:
        if "modified by an inplace operation" in str(err):
            return  # autograd noticed that the saved w changed
        raise
    if w._version == version:
        raise AssertionError(
            f"{what}: backward ran without an error, with w._version still {version}, so the "
            f"gradient was computed silently from the new values. Likely mistake: "
            f"w.data.copy_(values): a write through .data skips w's version counter; "
            f"w.copy_(values) under torch.no_grad() bumps it and autograd refuses the stale graph."
        )
    raise AssertionError(
        f"{what}: backward ran without an error (w._version went {version} -> {w._version}); "
        f"autograd should refuse a graph whose saved w was changed in place. Copy into w "
        f"itself with w.copy_(values) under torch.no_grad()."
    )


@pytest.mark.task(3)
@pytest.mark.cuda
def test_assign_copies_values_from_the_cpu_into_a_gpu_leaf(device):
    w = random_input(5, device, (3, 4)).float().requires_grad_(True)
    values = random_input(6, "cpu", (3, 4))  # float64 on the CPU
    ptr = w.data_ptr()
    what = f"assign_(w, values) for a float32 w on {w.device} and float64 values on the CPU"
    got = _leaf_call(kata.assign_, w, values, what=what)
    check_assigned(w, got, values, ptr, what)
    if w.device != device:
        raise AssertionError(f"{what} moved w to {w.device}; w keeps its device.")
    assert_tensor_close(w.detach(), values.to(device, torch.float32), what=f"w after {what}")


# ----------------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(4))
def test_sgd_step_updates_in_place_and_clears_grads(seed, device):
    gen = torch.Generator().manual_seed(seed)
    lr = float(torch.rand((), generator=gen)) + 0.1
    make = torch.nn.Parameter if seed % 2 else (lambda t: t.requires_grad_(True))
    params = [make(random_input(seed + k, device)) for k in range(3)]
    unused = make(random_input(seed + 7, device))
    loss = sum((p**2 * (k + 1)).sum() for k, p in enumerate(params))
    loss.backward()
    before = [p.detach().clone() for p in params]
    held = [p.grad for p in params]  # the caller may still hold the gradient tensors
    grads = [g.clone() for g in held]
    ptrs = [p.data_ptr() for p in params]
    unused_before = unused.detach().clone()
    # the parameter without a gradient sits in the middle: it is skipped, not a stop sign
    arg = [params[0], unused, params[1], params[2]]
    arg_before = list(arg)
    what = f"sgd_step_(params, lr={lr:.3f})"
    result = _leaf_call(kata.sgd_step_, arg, lr, what=what)
    if result is not None:
        raise AssertionError(f"{what} should update in place and return None, got {result!r:.60}.")
    if len(arg) != len(arg_before) or any(a is not b for a, b in zip(arg, arg_before, strict=True)):
        raise AssertionError(
            f"{what} changed the caller's list of parameters (an entry replaced, added or "
            f"removed); leave it as is. Likely mistake: params[i] = p - lr * p.grad puts a "
            f"new tensor in the list while the model still holds the old parameter; update "
            f"each p in place (p.sub_(lr * p.grad))."
        )
    for k, p in enumerate(params):
        check_still_a_parameter(p, f"parameter {k} after {what}")
        if k > 0 and torch.equal(p.detach(), before[k]):
            raise AssertionError(
                f"parameter {k} after {what} was not updated although it has a gradient; it "
                f"comes after a parameter whose .grad is None. Likely mistake: the loop "
                f"stopped at the parameter without a gradient (break or return instead of "
                f"continue)."
            )
        if torch.equal(p.detach(), before[k]):
            raise AssertionError(
                f"parameter {k} after {what} is unchanged; expected p - lr * p.grad. Likely "
                f"mistake: p = p - lr * p.grad rebinds the loop variable and leaves the "
                f"parameter unchanged, or the update went into a copy (p.clone(), "
                f"p.detach().clone()); update p itself in place (p -= ..., p.sub_(...))."
            )
        if torch.allclose(p.detach(), before[k] + lr * grads[k]):
            raise AssertionError(
                f"parameter {k} after {what} moved to p + lr * p.grad, up the gradient; "
                f"expected p - lr * p.grad. Likely mistake: add_ instead of sub_ (or "
                f"alpha=lr instead of alpha=-lr): gradient descent steps against the gradient."
            )
        assert_tensor_close(
            p.detach(),
            before[k] - lr * grads[k],
            what=f"parameter {k} after {what}",
            mistake="the step is not lr * p.grad: check the scale (lr, not lr**2 or 1 / lr) "
            "and that each parameter uses its own gradient.",
        )
        if p.data_ptr() != ptrs[k]:
            raise AssertionError(
                f"parameter {k} after {what} lives in new memory. Likely mistake: p.data = "
                f"p - lr * p.grad (or p.set_(...)); an optimiser must update the existing "
                f"storage."
            )
        if p.grad is not None:
            if p.grad is held[k] and not torch.equal(p.grad, grads[k]) and not p.grad.any():
                raise AssertionError(
                    f"parameter {k}.grad after {what} is the same gradient tensor, zeroed in "
                    f"place; expected None. Likely mistake: p.grad.zero_() (zero_grad with "
                    f"set_to_none=False): it changes the gradient tensor the caller still "
                    f"holds; set p.grad = None instead."
                )
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
    for k, (g, copy) in enumerate(zip(held, grads, strict=True)):
        if not torch.equal(g, copy):
            raise AssertionError(
                f"{what} changed the gradient tensor of parameter {k} in place (the caller, a "
                f"logger or a gradient-clipping step may still hold it). Likely mistake: "
                f"p.grad.mul_(lr) or p.grad *= lr to scale it; p.sub_(lr * p.grad) or "
                f"p.add_(p.grad, alpha=-lr) leaves it alone."
            )
