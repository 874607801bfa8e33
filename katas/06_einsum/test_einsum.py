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


def run_einsum_only(call: str, fn, *args):
    """Call fn(*args) and fail unless it used einsum and none of the explicit operations."""
    __tracebackhide__ = True
    with count_torch_calls() as calls, properties_read() as props:
        result = fn(*args)
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
            f"Likely mistake: elementwise products and reductions by hand; use torch.einsum."
        )
    return result


def rand(gen, *shape, device):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(device)


def dims(gen, n, low=1, high=6):
    return torch.randint(low, high, (n,), generator=gen).tolist()


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(5))
def test_matmul_equals_explicit_matmul(seed, device):
    gen = torch.Generator().manual_seed(seed)
    i, k, j = dims(gen, 3)
    a, b = rand(gen, i, k, device=device), rand(gen, k, j + 1, device=device)
    what = f"matmul(a, b) for a of shape {(i, k)}, b of shape {(k, j + 1)}"
    assert_tensor_close(
        run_einsum_only(what, kata.matmul, a, b),
        a @ b,
        what=what,
        mistake="the subscripts: 'ik,kj->ij' sums over the shared k and keeps i and j.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(5))
def test_transpose_equals_t(seed, device):
    gen = torch.Generator().manual_seed(seed)
    i, j = dims(gen, 2)
    a = rand(gen, i, j + 1, device=device)
    what = f"transpose(a) for a of shape {(i, j + 1)}"
    assert_tensor_close(
        run_einsum_only(what, kata.transpose, a),
        a.t(),
        what=what,
        mistake="the output subscripts must swap the input's: 'ij->ji'.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(5))
def test_dot_equals_torch_dot(seed, device):
    gen = torch.Generator().manual_seed(seed)
    (k,) = dims(gen, 1, 1, 20)
    a, b = rand(gen, k, device=device), rand(gen, k, device=device)
    what = f"dot(a, b) for vectors of length {k}"
    assert_tensor_close(
        run_einsum_only(what, kata.dot, a, b),
        torch.dot(a, b),
        what=what,
        mistake="'k,k->k' keeps the index k, giving the elementwise product; an empty "
        "output ('k,k->') sums it away.",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(5))
def test_batched_matmul_equals_bmm(seed, device):
    gen = torch.Generator().manual_seed(seed)
    b, i, k, j = dims(gen, 4)
    x, y = rand(gen, b, i, k, device=device), rand(gen, b, k, j + 1, device=device)
    what = f"batched_matmul(a, b) for a of shape {(b, i, k)}, b of shape {(b, k, j + 1)}"
    assert_tensor_close(
        run_einsum_only(what, kata.batched_matmul, x, y),
        torch.bmm(x, y),
        what=what,
        mistake="the batch index must appear in both inputs and the output: 'bik,bkj->bij'.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(5))
def test_bilinear_equals_functional_bilinear(seed, device):
    gen = torch.Generator().manual_seed(seed)
    n, i, j, o = dims(gen, 4)
    x, y = rand(gen, n + 1, i, device=device), rand(gen, n + 1, j, device=device)
    weight = rand(gen, o, i, j, device=device)
    what = f"bilinear(x, weight, y) for x {(n + 1, i)}, weight {(o, i, j)}, y {(n + 1, j)}"
    assert_tensor_close(
        run_einsum_only(what, kata.bilinear, x, weight, y),
        torch.nn.functional.bilinear(x, y, weight),
        what=what,
        mistake="x and y must share the sample letter ('ni,oij,nj->no'); two different "
        "letters pair every sample of x with every sample of y and sum over them.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(5))
def test_attention_scores_equal_scaled_matmul(seed, device):
    gen = torch.Generator().manual_seed(seed)
    b, h, t, s, d = dims(gen, 5)
    q, k = rand(gen, b, h, t, d + 1, device=device), rand(gen, b, h, t + s, d + 1, device=device)
    what = f"attention_scores(q, k) for q of shape {tuple(q.shape)}, k of shape {tuple(k.shape)}"
    got = run_einsum_only(what, kata.attention_scores, q, k)
    expected = q @ k.transpose(-2, -1) / math.sqrt(d + 1)
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        if torch.allclose(got, expected * math.sqrt(d + 1)):
            raise AssertionError(
                f"{what} is not scaled: every score is sqrt(D) = {math.sqrt(d + 1):.3f} "
                f"times too large. Likely mistake: the division by sqrt(D) is missing."
            )
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="the output order: scores are (B, H, T, S), 'bhtd,bhsd->bhts'; '->bhst' "
        "gives the transpose (keys by queries).",
    )
