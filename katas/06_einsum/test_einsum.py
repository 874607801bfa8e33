"""Tests for kata 06: einsum only, checked against the explicit operations."""

import contextlib
import math
from collections import Counter

import pytest
import torch
from torch.overrides import TorchFunctionMode, resolve_name

from torchkatas.harness import assert_tensor_close, count_torch_calls, load_kata

kata = load_kata(__file__)

# the explicit operations each function must express with einsum instead
BANNED = {
    "matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "mv", "dot", "vdot", "inner",
    "outer", "tensordot", "bilinear", "linear", "t", "t_", "transpose", "transpose_",
    "permute", "swapaxes", "swapdims", "movedim", "moveaxis", "adjoint", "sum", "baddbmm",
    "addmm", "chain_matmul", "multi_dot",
}  # fmt: skip
BANNED_PROPERTIES = {"T", "mT", "H", "mH"}


@contextlib.contextmanager
def properties_read():
    """Tensor properties read inside the block (count_torch_calls names them all __get__)."""
    seen: Counter[str] = Counter()

    class Watch(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = resolve_name(func) or ""
            if name.endswith(".__get__"):
                seen[name.rsplit(".", 2)[-2]] += 1
            return func(*args, **(kwargs or {}))

    with Watch():
        yield seen


def run_einsum_only(call: str, fn, *args, expect: str):
    """Call fn(*args) and fail unless it used einsum and none of the explicit operations.

    `expect` says what the call should give for these operands ("a (I, K) = (2, 3) and b
    (K, J) = (3, 4) give (I, J) = (2, 4)"): an einsum that refuses the operands' shapes, or
    a .view() that refuses their strides, is reported against it.
    """
    __tracebackhide__ = True
    try:
        with count_torch_calls() as calls, properties_read() as props:
            result = fn(*args)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if str(err).startswith("einsum()"):
            raise AssertionError(
                f"{call}: torch.einsum raised RuntimeError: {err}. Expected: {expect}. Likely "
                f"mistake: the subscripts do not match the operands' shapes (each letter names "
                f"one axis of one operand, in order; a letter shared by two operands must have "
                f"the same size in both)."
            ) from err
        if "view size is not compatible" in str(err):
            raise AssertionError(
                f"{call} raised RuntimeError: {err}. Expected: {expect}, for non-contiguous "
                f"operands too (transposed or sliced views). Likely mistake: a .view() of a "
                f"non-contiguous input; einsum takes any strides, so name the axes in the "
                f"subscripts instead of merging them (or use reshape)."
            ) from err
        raise
    used = sorted(
        {n for n in calls if n in BANNED} | {f".{p}" for p in props if p in BANNED_PROPERTIES}
    )
    if used:
        raise AssertionError(
            f"{call} used {', '.join(used)}; this kata asks for einsum only: express the "
            f"product, sum or axis move in the subscripts instead."
        )
    if not calls["einsum"]:
        raise AssertionError(
            f"{call} never called torch.einsum (torch calls made: {dict(calls) or 'none'}). "
            f"Likely mistake: the products and sums done another way (elementwise products, "
            f"loops, a library call not listed here); use torch.einsum."
        )
    return result


def rand(gen, *shape, device, dtype=torch.float64):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(device, dtype)


def dims(gen, n, high=8):
    """n distinct sizes from 1 .. high - 1: an axis mix-up always shows as a shape error or
    a scale that names the wrong axis, never hides behind two equal sizes."""
    return (torch.randperm(high - 1, generator=gen)[:n] + 1).tolist()


def fmt(shape) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def transposed(gen, *shape, device):
    """A (.., R, C) tensor that is a transposed view of a contiguous (.., C, R) one."""
    return rand(gen, *shape[:-2], shape[-1], shape[-2], device=device).transpose(-2, -1)


# what each function gives, in words, for the operands it was called with
def expect_matmul(a, b):
    return f"a (I, K) = {fmt(a.shape)} and b (K, J) = {fmt(b.shape)} give (I, J) = {fmt((a.shape[0], b.shape[1]))}"  # noqa: E501


def expect_transpose(a):
    return f"a (I, J) = {fmt(a.shape)} gives (J, I) = {fmt(a.shape[::-1])}"


def expect_dot(a, b):
    return f"two vectors (K,) = {fmt(a.shape)} and {fmt(b.shape)} give a 0-d tensor"


def expect_batched(a, b):
    return (
        f"a (B, I, K) = {fmt(a.shape)} and b (B, K, J) = {fmt(b.shape)} give (B, I, J) = "
        f"{fmt((a.shape[0], a.shape[1], b.shape[2]))}"
    )


def expect_bilinear(x, weight, y):
    return (
        f"x (N, I) = {fmt(x.shape)}, weight (O, I, J) = {fmt(weight.shape)} and y (N, J) = "
        f"{fmt(y.shape)} give (N, O) = {fmt((x.shape[0], weight.shape[0]))}"
    )


def expect_scores(q, k):
    b, h, t, _ = q.shape
    s = k.shape[2]
    return (
        f"q (B, H, T, D) = {fmt(q.shape)} and k (B, H, S, D) = {fmt(k.shape)} give "
        f"(B, H, T, S) = {fmt((b, h, t, s))}"
    )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(5))
def test_matmul_equals_explicit_matmul(seed, device):
    gen = torch.Generator().manual_seed(seed)
    i, k, j = dims(gen, 3)
    a, b = rand(gen, i, k, device=device), rand(gen, k, j, device=device)
    what = f"matmul(a, b) for a of shape {(i, k)}, b of shape {(k, j)}"
    assert_tensor_close(
        run_einsum_only(what, kata.matmul, a, b, expect=expect_matmul(a, b)),
        a @ b,
        what=what,
        mistake="the subscripts: 'ik,kj->ij' sums over the shared k and keeps i and j.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(5))
def test_transpose_equals_t(seed, device):
    gen = torch.Generator().manual_seed(seed)
    i, j = dims(gen, 2)
    # a square matrix too: there 'ij->ij' has the right shape and only the values differ
    shape = (i, j) if seed % 2 == 0 else (i, i)
    a = rand(gen, *shape, device=device)
    what = f"transpose(a) for a of shape {shape}"
    assert_tensor_close(
        run_einsum_only(what, kata.transpose, a, expect=expect_transpose(a)),
        a.t(),
        what=what,
        mistake="the output subscripts must swap the input's: 'ij->ji'.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(5))
def test_dot_equals_torch_dot(seed, device):
    gen = torch.Generator().manual_seed(seed)
    k = int(torch.randint(2, 20, (1,), generator=gen))
    a, b = rand(gen, k, device=device), rand(gen, k, device=device)
    what = f"dot(a, b) for vectors of length {k}"
    got = run_einsum_only(what, kata.dot, a, b, expect=expect_dot(a, b))
    assert_tensor_close(got, torch.dot(a, b), what=what, mistake=_why_not_dot(got, a, b))


def _why_not_dot(got, a, b) -> str:
    """Name the wrong dot product, when it is one of the usual ones."""
    if isinstance(got, torch.Tensor) and got.shape == a.shape:
        return (
            "'k,k->k' keeps the index k, giving the elementwise product; an empty output "
            "('k,k->') sums it away."
        )
    if (
        isinstance(got, torch.Tensor)
        and got.dim() == 0
        and torch.allclose(got.detach().to(a.device, a.dtype), torch.einsum("i,j->", a, b))
    ):
        return (
            "two different letters ('i,j->') sum the outer product, every a_i times every b_j, "
            "which is sum(a) * sum(b); one shared letter ('k,k->') pairs a_k with b_k."
        )
    return "the subscripts: 'k,k->' multiplies a_k by b_k and sums over k into a 0-d tensor."


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(5))
def test_batched_matmul_equals_bmm(seed, device):
    gen = torch.Generator().manual_seed(seed)
    b, i, k, j = dims(gen, 4)
    x, y = rand(gen, b, i, k, device=device), rand(gen, b, k, j, device=device)
    what = f"batched_matmul(a, b) for a of shape {(b, i, k)}, b of shape {(b, k, j)}"
    got = run_einsum_only(what, kata.batched_matmul, x, y, expect=expect_batched(x, y))
    assert_tensor_close(got, torch.bmm(x, y), what=what, mistake=_why_not_batched(got, x, y))


def _why_not_batched(got, x, y) -> str:
    """Name the wrong batched product, when the shape or the values pin it (sizes distinct)."""
    b, i, _ = x.shape
    j = y.shape[2]
    shape = tuple(got.shape) if isinstance(got, torch.Tensor) else None
    if shape == (i, j):
        return (
            "the batch letter is missing from the output ('bik,bkj->ij'), so the B products "
            "are summed together; keep it: 'bik,bkj->bij'."
        )
    if shape == (b, j, i):
        return "the output order: '->bji' gives each product transposed; write '->bij'."
    if shape == (b, i, j) and torch.allclose(
        got.detach().to(x.device, x.dtype), torch.einsum("bik,ckj->bij", x, y)
    ):
        return (
            "two batch letters ('bik,ckj->bij'): each a[b] is multiplied by the sum of every "
            "b[c]; the batch letter must be shared by both inputs and the output."
        )
    return "the subscripts: 'bik,bkj->bij' shares b, sums k, keeps i and j."


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(5))
def test_bilinear_equals_functional_bilinear(seed, device):
    gen = torch.Generator().manual_seed(seed)
    n, i, j, o = dims(gen, 4)
    x, y = rand(gen, n, i, device=device), rand(gen, n, j, device=device)
    weight = rand(gen, o, i, j, device=device)
    what = f"bilinear(x, weight, y) for x {(n, i)}, weight {(o, i, j)}, y {(n, j)}"
    got = run_einsum_only(what, kata.bilinear, x, weight, y, expect=expect_bilinear(x, weight, y))
    assert_tensor_close(
        got,
        torch.nn.functional.bilinear(x, y, weight),
        what=what,
        mistake=_why_not_bilinear(got, x, weight, y),
    )


def _why_not_bilinear(got, x, weight, y) -> str:
    """Name the wrong bilinear form, when the shape or the values pin it."""
    n, o = x.shape[0], weight.shape[0]
    if not isinstance(got, torch.Tensor):
        return "return the (N, O) tensor einsum gives."
    g = got.detach().to(x.device, x.dtype)
    if n != o and got.shape == (o, n):
        return "the output order: '->on' gives (O, N); F.bilinear's layout is (N, O), '->no'."
    if got.shape == (n, o):
        if torch.allclose(g, torch.einsum("ni,oij,mj->no", x, weight, y)):
            return (
                "x and y must share the sample letter ('ni,oij,nj->no'); two different letters "
                "pair every sample of x with every sample of y and sum over them."
            )
        if x.shape[1] == y.shape[1] and torch.allclose(
            g, torch.einsum("ni,oji,nj->no", x, weight, y)
        ):
            return (
                "weight is (O, I, J): its second axis pairs with x and its third with y "
                "('ni,oij,nj->no'); 'oji' contracts x with the wrong axis, which only a square "
                "weight lets run."
            )
    return "the subscripts: 'ni,oij,nj->no' (n shared by x, y and the output; i and j summed)."


@pytest.mark.task(2)
def test_bilinear_with_square_weight_pairs_i_with_x_and_j_with_y(device):
    """bilinear with I == J: weight's axes must still be (O, I, J), i for x and j for y."""
    gen = torch.Generator().manual_seed(11)
    x, y = rand(gen, 3, 4, device=device), rand(gen, 3, 4, device=device)
    weight = rand(gen, 2, 4, 4, device=device)
    what = "bilinear(x, weight, y) for x (3, 4), weight (2, 4, 4), y (3, 4)"
    got = run_einsum_only(what, kata.bilinear, x, weight, y, expect=expect_bilinear(x, weight, y))
    assert_tensor_close(
        got,
        torch.nn.functional.bilinear(x, y, weight),
        what=what,
        mistake=_why_not_bilinear(got, x, weight, y),
    )


# ----------------------------------------------------------------------------- task 3


def check_scores(got, q, k, what: str) -> None:
    """Compare attention scores, naming the cause only when the evidence pins it."""
    __tracebackhide__ = True
    b, h, t, d = q.shape
    s = k.shape[2]
    raw = torch.einsum("bhtd,bhsd->bhts", q, k)  # unscaled q . k
    expected = raw / math.sqrt(d)
    if isinstance(got, torch.Tensor) and got.dtype == expected.dtype:
        got_ = got.detach().to(expected.device)
        if got_.shape in {(s, t), (t, s)} and got_.shape != expected.shape:
            implicit = torch.einsum("bhtd,bhsd", q, k)  # (S, T), b and h summed
            sums_bh = got_.shape == (s, t) and torch.allclose(got_, implicit / math.sqrt(d))
            raise AssertionError(
                f"{what} returned shape {fmt(got_.shape)}: the B and H axes are gone; expected "
                f"(B, H, T, S) = {fmt(expected.shape)}. Likely mistake: "
                + (
                    "no '->': in implicit mode einsum keeps only the letters that appear once "
                    "(s and t, in alphabetical order) and sums b and h away, like every repeated "
                    "letter. Write the output: 'bhtd,bhsd->bhts'."
                    if sums_bh
                    else "b and h left out of the output (a letter missing from the output is "
                    "summed), or no '->' (implicit mode keeps only the letters that appear "
                    "once); write 'bhtd,bhsd->bhts'."
                )
            )
        if t != s and got_.shape == (b, h, s, t):
            raise AssertionError(
                f"{what} returned shape {fmt(got_.shape)}, which is (B, H, S, T): keys before "
                f"queries; expected (B, H, T, S) = {fmt(expected.shape)}. Likely mistake: the "
                f"output order: '->bhst' gives the transpose (keys by queries); scores are "
                f"'bhtd,bhsd->bhts'."
            )
        if got_.shape == expected.shape and not torch.allclose(got_, expected):
            if t == s and torch.allclose(got_, expected.transpose(-2, -1)):
                raise AssertionError(
                    f"{what} gives the transpose of the scores: out[b, h, s, t] instead of "
                    f"out[b, h, t, s] (T == S here, so the shape alone cannot show it). Likely "
                    f"mistake: the output order: '->bhst' gives the transpose; scores are "
                    f"'bhtd,bhsd->bhts'."
                )
            scale = float((got_ * raw).sum() / (raw * raw).sum())
            if torch.allclose(got_, raw * scale):
                candidates = []
                if math.isclose(scale, 1.0, rel_tol=1e-6):
                    candidates.append("the division by sqrt(D) is missing")
                if math.isclose(scale, 1 / d, rel_tol=1e-6):
                    candidates.append("divided by D instead of sqrt(D)")
                if math.isclose(scale, math.sqrt(d), rel_tol=1e-6):
                    candidates.append("multiplied by sqrt(D) instead of dividing")
                for name, size in (("B", b), ("H", h), ("T", t), ("S", s)):
                    if size != d and math.isclose(scale, 1 / math.sqrt(size), rel_tol=1e-6):
                        candidates.append(
                            f"took the scale from the wrong axis: 1 / sqrt({name}) with "
                            f"{name} = {size}; D is q.shape[-1]"
                        )
                why = " or ".join(candidates) or "a wrong scale factor"
                raise AssertionError(
                    f"{what}: every score is {scale:.6g} times q . k, expected 1 / sqrt(D) = "
                    f"1 / sqrt({d}) = {1 / math.sqrt(d):.6g}. The products are right; only the "
                    f"scale is off. Likely mistake: {why}."
                )
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="neither a wrong scale nor the output order explains these scores: check the "
        "subscripts ('bhtd,bhsd->bhts': d is summed, b and h are shared by q, k and the "
        "output) and the scale 1 / sqrt(D).",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(5))
def test_attention_scores_equal_scaled_matmul(seed, device):
    gen = torch.Generator().manual_seed(seed)
    b, h, t, s, d = dims(gen, 5)
    q, k = rand(gen, b, h, t, d, device=device), rand(gen, b, h, s, d, device=device)
    what = f"attention_scores(q, k) for q of shape {tuple(q.shape)}, k of shape {tuple(k.shape)}"
    got = run_einsum_only(what, kata.attention_scores, q, k, expect=expect_scores(q, k))
    check_scores(got, q, k, what)


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(3))
def test_self_attention_scores_are_queries_by_keys(seed, device):
    """Self-attention (T == S): the (B, H, T, S) order shows in the values, not the shape."""
    gen = torch.Generator().manual_seed(40 + seed)
    b, h, t, d = dims(gen, 4)
    q, k = rand(gen, b, h, t, d, device=device), rand(gen, b, h, t, d, device=device)
    what = f"attention_scores(q, k) for q and k of shape {tuple(q.shape)} (self-attention)"
    got = run_einsum_only(what, kata.attention_scores, q, k, expect=expect_scores(q, k))
    check_scores(got, q, k, what)


@pytest.mark.task(3)
def test_attention_scores_in_float32(device):
    gen = torch.Generator().manual_seed(7)
    q = rand(gen, 2, 3, 5, 4, device=device, dtype=torch.float32)
    k = rand(gen, 2, 3, 6, 4, device=device, dtype=torch.float32)
    what = "attention_scores(q, k) for float32 q (2, 3, 5, 4) and k (2, 3, 6, 4)"
    got = run_einsum_only(what, kata.attention_scores, q, k, expect=expect_scores(q, k))
    check_scores(got, q, k, what)


@pytest.mark.task(3)
def test_attention_scores_of_heads_split_by_transpose(device):
    """q and k as multi-head attention makes them: (B, T, H, D) views transposed to (B, H, T, D)."""
    gen = torch.Generator().manual_seed(8)
    q = rand(gen, 2, 5, 3, 4, device=device).transpose(1, 2)  # (B, H, T, D), non-contiguous
    k = rand(gen, 2, 6, 3, 4, device=device).transpose(1, 2)  # (B, H, S, D), non-contiguous
    what = "attention_scores(q, k) for non-contiguous q (2, 3, 5, 4) and k (2, 3, 6, 4)"
    got = run_einsum_only(what, kata.attention_scores, q, k, expect=expect_scores(q, k))
    check_scores(got, q, k, what)


@pytest.mark.task(3)
def test_attention_scores_carry_gradients_to_q_and_k(device):
    gen = torch.Generator().manual_seed(9)
    q = rand(gen, 1, 2, 3, 4, device=device).requires_grad_(True)
    k = rand(gen, 1, 2, 5, 4, device=device).requires_grad_(True)
    upstream = rand(gen, 1, 2, 3, 5, device=device)
    what = "attention_scores(q, k) for q, k that require grad"
    got = run_einsum_only(what, kata.attention_scores, q, k, expect=expect_scores(q, k))
    if not isinstance(got, torch.Tensor) or got.grad_fn is None:
        raise AssertionError(
            f"{what} returned a tensor with no autograd graph: no gradient reaches q and k. "
            f"Likely mistake: a detach(), .data or torch.no_grad() around the computation."
        )
    check_scores(got, q.detach(), k.detach(), what)
    got.backward(upstream)
    rq, rk = q.detach().requires_grad_(True), k.detach().requires_grad_(True)
    (rq @ rk.transpose(-2, -1) / 2.0).backward(upstream)  # sqrt(D) = 2
    for name, grad, ref in [("q", q.grad, rq.grad), ("k", k.grad, rk.grad)]:
        unscaled = isinstance(grad, torch.Tensor) and torch.allclose(grad, 2.0 * ref)
        assert_tensor_close(
            grad,
            ref,
            what=f"the gradient for {name} of {what}",
            mistake="the scores are right but the gradients are sqrt(D) = 2 times too large: "
            "autograd never saw the division by sqrt(D). Likely: the scaling done through "
            ".data, or under torch.no_grad(); divide the einsum's result as an ordinary "
            "tensor operation."
            if unscaled
            else "",
        )


# ----------------------------------------------------------------------------- every task


def operands(name: str, gen, device, layout: str):
    """(args, expect text, oracle) for one function; `layout` "contiguous" or "transposed"."""
    make = (
        transposed if layout == "transposed" else (lambda g, *s, device: rand(g, *s, device=device))
    )
    if name == "matmul":
        args = (make(gen, 3, 4, device=device), make(gen, 4, 5, device=device))
        return args, expect_matmul(*args), lambda a, b: a @ b
    if name == "transpose":
        args = (make(gen, 3, 4, device=device),)
        return args, expect_transpose(*args), lambda a: a.t()
    if name == "dot":
        base = rand(gen, 2, 6, device=device)
        args = (base[0, ::2], base[1, 1::2]) if layout == "transposed" else (base[0], base[1])
        return args, expect_dot(*args), torch.dot
    if name == "batched_matmul":
        args = (make(gen, 2, 3, 4, device=device), make(gen, 2, 4, 5, device=device))
        return args, expect_batched(*args), torch.bmm
    if name == "bilinear":
        x, y = make(gen, 3, 4, device=device), make(gen, 3, 5, device=device)
        w = make(gen, 2, 4, 5, device=device)
        return (x, w, y), expect_bilinear(x, w, y), lambda x, w, y: F_bilinear(x, y, w)
    q = make(gen, 2, 3, 5, 4, device=device)
    k = make(gen, 2, 3, 6, 4, device=device)
    return (q, k), expect_scores(q, k), lambda q, k: q @ k.transpose(-2, -1) / 2.0


def F_bilinear(x, y, w):
    return torch.nn.functional.bilinear(x, y, w)


FUNCTIONS = [
    (1, "matmul", "a, b"),
    (1, "transpose", "a"),
    (1, "dot", "a, b"),
    (2, "batched_matmul", "a, b"),
    (2, "bilinear", "x, weight, y"),
    (3, "attention_scores", "q, k"),
]


@pytest.mark.parametrize(
    "name, arg_names",
    [pytest.param(n, a, marks=pytest.mark.task(t), id=n) for t, n, a in FUNCTIONS],
)
def test_inputs_are_not_changed(name, arg_names, device):
    gen = torch.Generator().manual_seed(12)
    args, expect, _ = operands(name, gen, device, "contiguous")
    before = [a.clone() for a in args]
    what = f"{name}({arg_names})"
    run_einsum_only(what, getattr(kata, name), *args, expect=expect)
    for arg, old, arg_name in zip(args, before, arg_names.split(", "), strict=True):
        if not torch.equal(arg, old):
            raise AssertionError(
                f"{what} changed the caller's {arg_name} in place. Likely mistake: an in-place "
                f"op on an input (q /= sqrt(D), q.div_(...), mul_): scale the result, or "
                f"write q / math.sqrt(D), which makes a new tensor."
            )


@pytest.mark.parametrize(
    "name, arg_names",
    [pytest.param(n, a, marks=pytest.mark.task(t), id=n) for t, n, a in FUNCTIONS],
)
def test_non_contiguous_inputs_give_the_same_result(name, arg_names, device):
    gen = torch.Generator().manual_seed(13)
    args, expect, oracle = operands(name, gen, device, "transposed")
    what = f"{name}({arg_names}) for non-contiguous (transposed or strided) operands"
    got = run_einsum_only(what, getattr(kata, name), *args, expect=expect)
    assert_tensor_close(got, oracle(*args), what=what)


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "i, k, j", [(1, 1, 1), (3, 1, 4), (1, 5, 1), (2, 0, 3)], ids=["1x1", "k=1", "vector", "k=0"]
)
def test_matmul_of_edge_shapes(i, k, j, device):
    gen = torch.Generator().manual_seed(14)
    a, b = rand(gen, i, k, device=device), rand(gen, k, j, device=device)
    what = f"matmul(a, b) for a of shape {(i, k)}, b of shape {(k, j)}"
    got = run_einsum_only(what, kata.matmul, a, b, expect=expect_matmul(a, b))
    assert_tensor_close(
        got, a @ b, what=what, mistake="an empty sum (K = 0) is 0." if k == 0 else ""
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("k", [0, 1])
def test_dot_of_length_zero_and_one(k, device):
    gen = torch.Generator().manual_seed(15)
    a, b = rand(gen, k, device=device), rand(gen, k, device=device)
    what = f"dot(a, b) for vectors of length {k}"
    got = run_einsum_only(what, kata.dot, a, b, expect=expect_dot(a, b))
    if isinstance(got, torch.Tensor) and got.dim() != 0:
        raise AssertionError(
            f"{what} returned shape {fmt(got.shape)}, expected a 0-d tensor. Likely mistake: "
            f"an output letter kept ('k,k->k'); 'k,k->' sums k away into a 0-d tensor."
        )
    assert_tensor_close(
        got,
        torch.dot(a, b),
        what=what,
        mistake="an empty sum (length 0) is 0." if k == 0 else _why_not_dot(got, a, b),
    )


@pytest.mark.task(3)
def test_attention_scores_of_one_query_one_key_one_dim(device):
    q = torch.tensor([[[[3.0]]]], dtype=torch.float64, device=device)
    k = torch.tensor([[[[-2.0]]]], dtype=torch.float64, device=device)
    what = "attention_scores(q, k) for q = [[[[3.]]]], k = [[[[-2.]]]] (B = H = T = S = D = 1)"
    got = run_einsum_only(what, kata.attention_scores, q, k, expect=expect_scores(q, k))
    assert_tensor_close(got, q * k, what=what, mistake="sqrt(1) = 1: the score is q * k.")
