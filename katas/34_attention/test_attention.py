"""Tests for kata 34: attention from scratch, checked against F.scaled_dot_product_attention
and nn.MultiheadAttention with copied weights."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

INF = float("-inf")
TIGHT = {"rtol": 1e-10, "atol": 1e-10}  # float64 against torch's own float64
# torch's attention, under every name it is reachable by: the learner writes it here. The
# private names come first so that messages show the public ones.
TORCH_ATTENTION = (
    "torch._C._nn.scaled_dot_product_attention",
    "torch._native_multi_head_attention",
    "torch.nn.modules.activation.MultiheadAttention",
    "torch.nn.functional.multi_head_attention_forward",
    "torch.nn.MultiheadAttention",
    "torch.nn.functional.scaled_dot_product_attention",
)


# ----------------------------------------------------------------------------- helpers


def randn(gen: torch.Generator, *shape: int, device, dtype=torch.float64) -> torch.Tensor:
    return torch.randn(shape, generator=gen, dtype=dtype).to(device)


def shape_of(t) -> str:
    return "None" if t is None else f"{tuple(t.shape)} {str(t.dtype).removeprefix('torch.')}"


def random_keep(gen, shape, device, p=0.6) -> torch.Tensor:
    """A random bool mask (True = takes part) with at least one True key in every row."""
    keep = torch.rand(shape, generator=gen) < p
    forced = torch.randint(shape[-1], (*shape[:-1], 1), generator=gen)
    return keep.scatter(-1, forced, True).to(device)


def causal_keep(L: int, S: int, device) -> torch.Tensor:
    """Query i sees keys j <= i, aligned at the top left (F.scaled_dot_product_attention's)."""
    return torch.ones(L, S, dtype=torch.bool, device=device).tril()


def formula(q, k, v, keep=None, bias=None, scale=None, softmax_dim=-1):
    """The docstring's definition, written plainly: (output, weights); no key -> zeros.

    Also used with wrong arguments (no scale, the other softmax axis) to name a mistake.
    """
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = torch.matmul(q, k.transpose(-2, -1)) * scale
    if bias is not None:
        scores = scores + bias
    if keep is not None:
        scores = torch.where(keep, scores, torch.full_like(scores, INF))
    weights = torch.softmax(scores, dim=softmax_dim).nan_to_num(nan=0.0)
    return torch.matmul(weights, v), weights


def close(a, b) -> bool:
    return (
        isinstance(a, torch.Tensor)
        and a.shape == b.shape
        and bool(torch.allclose(a.detach().double(), b.double(), rtol=1e-6, atol=1e-8))
    )


def unpack(result, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    __tracebackhide__ = True
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(
            f"{what} returned {type(result).__name__}; expected a tuple (output, weights)."
        )
    return result


def sdpa(q, k, v, what: str, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
    """The learner's scaled_dot_product_attention, with torch's attention forbidden."""
    __tracebackhide__ = True
    with forbid(*TORCH_ATTENTION, kata=kata):
        result = kata.scaled_dot_product_attention(q, k, v, **kwargs)
    return unpack(result, what)


def describe_sdpa(q, k, v, **kwargs) -> str:
    args = [f"query {shape_of(q)}", f"key {shape_of(k)}", f"value {shape_of(v)}"]
    for name, value in kwargs.items():
        args.append(f"{name}={shape_of(value) if isinstance(value, torch.Tensor) else value}")
    return f"scaled_dot_product_attention({', '.join(args)})"


def name_the_formula_mistake(out, weights, q, k, v, what: str, keep=None, bias=None) -> None:
    """Fail with the mistake's name when the learner's result is a known wrong formula."""
    __tracebackhide__ = True
    E = q.shape[-1]
    candidates = [
        (
            {"scale": 1.0},
            "missing the 1/sqrt(d_k) scale: the scores must be divided by sqrt(E), "
            f"E = query.size(-1) = {E} (or multiplied by scale= when it is given).",
        ),
        (
            {"scale": math.sqrt(E)},
            "multiplied by sqrt(d_k) instead of dividing: the scale is 1 / sqrt(E).",
        ),
        (
            {"scale": 1.0 / E},
            "divided by d_k instead of sqrt(d_k): the scale is 1 / sqrt(E).",
        ),
        (
            {"softmax_dim": -2},
            "softmax over the query axis (dim=-2): each query's weights over the keys must "
            "sum to 1, so the softmax runs over the last axis (dim=-1).",
        ),
    ]
    for kwargs, mistake in candidates:
        wrong_out, wrong_weights = formula(q, k, v, keep=keep, bias=bias, **kwargs)
        if close(out, wrong_out) or close(weights, wrong_weights):
            raise AssertionError(f"{what}: the result is that of a wrong formula. {mistake}")
    if keep is not None and close(weights, formula(q, k, v, keep=~keep, bias=bias)[1]):
        raise AssertionError(
            f"{what}: the bool mask inverted: keys marked True got no weight. In "
            f"scaled_dot_product_attention (as in F.scaled_dot_product_attention) True means "
            f"'takes part'; masked_fill(~attn_mask, -inf) masks the False keys."
        )


# ----------------------------------------------------------------------------- task 1

SHAPES = [  # (leading dims, L, S, E, Ev)
    pytest.param((), 4, 6, 8, 5, id="unbatched"),
    pytest.param((3,), 5, 7, 4, 6, id="batch"),
    pytest.param((2, 3), 4, 6, 16, 8, id="batch-heads"),
    pytest.param((2,), 1, 5, 8, 3, id="one-query"),
    pytest.param((2,), 3, 1, 8, 3, id="one-key"),
]


@pytest.mark.task(1)
@pytest.mark.parametrize(("lead", "L", "S", "E", "Ev"), SHAPES)
def test_output_matches_torch_sdpa(lead, L, S, E, Ev, device):
    gen = torch.Generator().manual_seed(34)
    for _ in range(3):
        q = randn(gen, *lead, L, E, device=device)
        k = randn(gen, *lead, S, E, device=device)
        v = randn(gen, *lead, S, Ev, device=device)
        what = describe_sdpa(q, k, v)
        out, weights = sdpa(q, k, v, what)
        expected = F.scaled_dot_product_attention(q, k, v)
        if not close(out, expected):
            name_the_formula_mistake(out, weights, q, k, v, what)
        assert_tensor_close(
            out,
            expected,
            what=f"{what}: output against F.scaled_dot_product_attention",
            mistake="output = softmax(query @ key^T / sqrt(E), dim=-1) @ value.",
            **TIGHT,
        )


@pytest.mark.task(1)
@pytest.mark.parametrize(("lead", "L", "S", "E", "Ev"), SHAPES)
def test_weights_are_a_softmax_over_the_keys(lead, L, S, E, Ev, device):
    gen = torch.Generator().manual_seed(35)
    q = randn(gen, *lead, L, E, device=device)
    k = randn(gen, *lead, S, E, device=device)
    v = randn(gen, *lead, S, Ev, device=device)
    what = describe_sdpa(q, k, v)
    out, weights = sdpa(q, k, v, what)
    _, expected = formula(q, k, v)
    if not close(weights, expected):
        name_the_formula_mistake(out, weights, q, k, v, what)
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(E)
    assert_tensor_close(
        weights,
        expected,
        what=f"{what}: the weights (..., L, S) against softmax(query @ key^T / sqrt(E), dim=-1)",
        mistake="the scores returned, not the weights: return them after the softmax."
        if close(weights, scores)
        else "the weights are softmax(query @ key^T / sqrt(E), dim=-1), shaped (..., L, S).",
        **TIGHT,
    )
    assert_tensor_close(
        weights.sum(-1),
        torch.ones(*lead, L, dtype=q.dtype, device=device),
        what=f"{what}: the weights summed over the keys (dim=-1)",
        mistake="softmax over the query axis (dim=-2): each query's weights must sum to 1.",
        **TIGHT,
    )


@pytest.mark.task(1)
def test_leading_dimensions_broadcast(device):
    gen = torch.Generator().manual_seed(33)
    q = randn(gen, 2, 3, 4, 8, device=device)  # (B, H, L, E) against keys shared by the batch
    k, v = randn(gen, 3, 6, 8, device=device), randn(gen, 1, 3, 6, 5, device=device)
    what = describe_sdpa(q, k, v)
    out, weights = sdpa(q, k, v, what)
    expected = F.scaled_dot_product_attention(q, k.expand(2, 3, 6, 8), v.expand(2, 3, 6, 5))
    assert_tensor_close(
        out,
        expected,
        what=f"{what}: output (leading dimensions broadcast) against torch's",
        mistake="matmul broadcasts the leading dimensions; bmm or view(-1, L, E) does not."
        if not isinstance(out, torch.Tensor) or out.shape != expected.shape
        else "the shape is right but the values are not: the leading dimensions paired "
        "wrongly (a reshape or expand that reorders them), or the formula itself (see "
        "test_output_matches_torch_sdpa).",
        **TIGHT,
    )
    if weights.shape != (2, 3, 4, 6):
        raise AssertionError(f"{what}: weights {tuple(weights.shape)}, expected (2, 3, 4, 6).")


@pytest.mark.task(1)
def test_scale_argument_replaces_one_over_sqrt_e(device):
    gen = torch.Generator().manual_seed(36)
    for scale in (0.3, 2.0):
        q, k, v = (randn(gen, 2, 4, 8, device=device) for _ in range(3))
        what = describe_sdpa(q, k, v, scale=scale)
        out, _ = sdpa(q, k, v, what, scale=scale)
        rule = "scale= given means: multiply the scores by it instead of 1 / sqrt(E)"
        mistake = f"{rule}."
        for wrong, how in (
            (
                1 / math.sqrt(q.shape[-1]),
                "scale= ignored: the scores were divided by sqrt(E) anyway",
            ),
            (scale / math.sqrt(q.shape[-1]), "both applied: scale= and 1 / sqrt(E)"),
            (1 / scale, "divided by scale= instead of multiplying"),
        ):
            if close(out, formula(q, k, v, scale=wrong)[0]):
                mistake = f"{how}; {rule}."
        assert_tensor_close(
            out,
            F.scaled_dot_product_attention(q, k, v, scale=scale),
            what=f"{what}: output against F.scaled_dot_product_attention(..., scale={scale})",
            mistake=mistake,
            **TIGHT,
        )


@pytest.mark.task(1)
def test_gradients_match_torch_sdpa(device):
    gen = torch.Generator().manual_seed(37)
    q, k, v = (randn(gen, 2, 3, n, 8, device=device) for n in (4, 6, 6))
    mine = [t.clone().requires_grad_(True) for t in (q, k, v)]
    ref = [t.clone().requires_grad_(True) for t in (q, k, v)]
    upstream = randn(gen, 2, 3, 4, 8, device=device)
    what = describe_sdpa(*mine)
    out, _ = sdpa(*mine, what)
    (out * upstream).sum().backward()
    expected_out = F.scaled_dot_product_attention(*ref)
    (expected_out * upstream).sum().backward()
    if close(out, expected_out):
        grad_mistake = (
            "the output is right but its gradient is not: part of the computation is cut "
            "from the graph (.detach() or .data on the scores or the weights), or a "
            "hand-written backward is wrong."
        )
    else:
        grad_mistake = "the forward output already differs from torch's (see the other tests)."
    for name, a, b in zip(("query", "key", "value"), mine, ref, strict=True):
        if a.grad is None:
            raise AssertionError(
                f"{what}: {name}.grad is None after backward: the output is not connected "
                f"to {name} in the graph. Likely mistake: .detach(), .data or torch.no_grad()."
            )
        assert_tensor_close(
            a.grad,
            b.grad,
            what=f"{what}: gradient of the output with respect to {name}",
            mistake=grad_mistake,
            **TIGHT,
        )


@pytest.mark.task(1)
def test_non_contiguous_inputs_work(device):
    gen = torch.Generator().manual_seed(38)
    # (B, E, L) transposed to (B, L, E): same values, strides that are not contiguous
    q = randn(gen, 3, 8, 4, device=device).transpose(-2, -1)
    k = randn(gen, 3, 8, 6, device=device).transpose(-2, -1)
    v = randn(gen, 6, 3, 5, device=device).transpose(0, 1)
    what = describe_sdpa(q, k, v) + " with non-contiguous (transposed) inputs"
    out, _ = sdpa(q, k, v, what)
    expected = F.scaled_dot_product_attention(q.contiguous(), k.contiguous(), v.contiguous())
    plain, _ = sdpa(q.contiguous(), k.contiguous(), v.contiguous(), what)
    assert_tensor_close(
        out,
        expected,
        what=what,
        mistake="right for contiguous copies of the same inputs, wrong for these: reading "
        "the storage or the strides by hand instead of through the tensors' indexing."
        if close(plain, expected)
        else "wrong for contiguous inputs too, so the layout is not the cause: see "
        "test_output_matches_torch_sdpa.",
        **TIGHT,
    )


@pytest.mark.task(1)
def test_float32_stays_float32(device):
    gen = torch.Generator().manual_seed(39)
    q, k, v = (randn(gen, 2, 5, 8, device=device, dtype=torch.float32) for _ in range(3))
    what = describe_sdpa(q, k, v)
    out, weights = sdpa(q, k, v, what)
    assert_tensor_close(out, F.scaled_dot_product_attention(q, k, v), what=f"{what}: output")
    if weights.dtype != torch.float32:
        raise AssertionError(f"{what}: weights have dtype {weights.dtype}, expected query's.")


@pytest.mark.task(1)
def test_torchs_own_attention_is_not_used(device):
    q = torch.ones(1, 2, 4, device=device)
    # any call of torch's attention inside raises ForbiddenCall, whose message says so
    with forbid(*TORCH_ATTENTION, kata=kata):
        out, _ = kata.scaled_dot_product_attention(q, q, q)
    assert_tensor_close(out, q, what="scaled_dot_product_attention of all-ones inputs")


@pytest.mark.cuda
@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
def test_half_precision_on_cuda_matches_torch(dtype, device):
    gen = torch.Generator().manual_seed(40)
    q, k, v = (randn(gen, 2, 4, 16, 32, device=device, dtype=dtype) for _ in range(3))
    keep = random_keep(gen, (16, 16), device)
    what = describe_sdpa(q, k, v, attn_mask=keep)
    out, weights = sdpa(q, k, v, what, attn_mask=keep)
    expected = F.scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask=keep)
    tol = 5e-3 if dtype == torch.float16 else 3e-2  # rounding of the inputs' own precision
    in_float32, _ = sdpa(q.float(), k.float(), v.float(), what, attn_mask=keep)
    assert_tensor_close(
        out,
        expected.to(dtype),
        what=f"{what}: output against torch's attention in float32",
        rtol=tol,
        atol=tol,
        mistake="right in float32, wrong in half precision: a softmax that overflows (exp "
        "without subtracting the row maximum: torch.softmax does that for you), or a "
        "constant such as -1e9 or a large scale that half precision cannot hold."
        if isinstance(in_float32, torch.Tensor)
        and in_float32.shape == expected.shape
        and torch.allclose(in_float32.detach().float(), expected, rtol=1e-4, atol=1e-5)
        else "wrong in float32 too, so precision is not the cause: see the float64 tests.",
    )
    if weights.dtype != dtype:
        raise AssertionError(f"{what}: weights have dtype {weights.dtype}, expected {dtype}.")


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "mask_shape",
    [(4, 6), (2, 1, 1, 6), (2, 3, 4, 6)],
    ids=["(L,S)", "(B,1,1,S)", "(B,H,L,S)"],
)
def test_bool_mask_true_means_takes_part(mask_shape, device):
    gen = torch.Generator().manual_seed(41)
    for _ in range(3):
        q = randn(gen, 2, 3, 4, 8, device=device)
        k, v = randn(gen, 2, 3, 6, 8, device=device), randn(gen, 2, 3, 6, 5, device=device)
        keep = random_keep(gen, mask_shape, device)
        what = describe_sdpa(q, k, v, attn_mask=keep)
        out, weights = sdpa(q, k, v, what, attn_mask=keep)
        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
        if not close(out, expected):
            name_the_formula_mistake(out, weights, q, k, v, what, keep=keep)
            unmasked, _ = sdpa(q, k, v, describe_sdpa(q, k, v))
            if not close(unmasked, F.scaled_dot_product_attention(q, k, v)):
                raise AssertionError(
                    f"{what}: the output is wrong, and so is the output without a mask: the "
                    f"formula itself is off (see test_output_matches_torch_sdpa)."
                )
        assert_tensor_close(
            out,
            expected,
            what=f"{what}: output against F.scaled_dot_product_attention(attn_mask=keep)",
            mistake="the bool mask applied wrongly (right without a mask): False keys get "
            "score -inf before the softmax (masked_fill(~attn_mask, -inf)), True keys keep "
            "theirs, the mask broadcast against (..., L, S).",
            **TIGHT,
        )
        masked = ~keep.expand_as(weights)
        if bool((weights[masked] != 0).any()):
            raise AssertionError(
                f"{what}: masked keys (attn_mask False) got weight up to "
                f"{weights[masked].abs().max().item():.3g}; they must get exactly 0. Likely "
                f"mistake: masking after the softmax with a large finite number, or "
                f"multiplying the scores by the mask instead of filling them with -inf."
            )


@pytest.mark.task(2)
def test_float_mask_is_added_to_the_scaled_scores(device):
    gen = torch.Generator().manual_seed(42)
    for _ in range(3):
        q = randn(gen, 3, 4, 16, device=device)
        k, v = randn(gen, 3, 6, 16, device=device), randn(gen, 3, 6, 4, device=device)
        bias = randn(gen, 3, 4, 6, device=device) * 2
        bias = bias.masked_fill(~random_keep(gen, (3, 4, 6), device), INF)  # and some -inf
        what = describe_sdpa(q, k, v, attn_mask=bias)
        out, weights = sdpa(q, k, v, what, attn_mask=bias)
        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        if not close(out, expected):
            finite = bias.isfinite()
            before = formula(q, k, v, bias=torch.where(finite, bias / 4, bias))[0]  # scaled by 1/4
            if close(out, before):
                raise AssertionError(
                    f"{what}: the float mask was added before scaling, so it was scaled "
                    f"too. Likely mistake: (q @ k^T + mask) * scale; the mask is added to "
                    f"the scaled scores: q @ k^T * scale + mask."
                )
            name_the_formula_mistake(out, weights, q, k, v, what, bias=bias)
        as_keep = formula(q, k, v, keep=bias != 0)[0]
        assert_tensor_close(
            out,
            expected,
            what=f"{what}: output against F.scaled_dot_product_attention(attn_mask=float mask)",
            mistake="the float mask was read as a 0/1 keep mask (its nonzero entries kept); a "
            "float mask is ADDED to the scaled scores."
            if close(out, as_keep)
            else "a float mask is ADDED to the scaled scores (not multiplied, not read as a "
            "0/1 keep mask).",
            **TIGHT,
        )


@pytest.mark.task(2)
@pytest.mark.parametrize(("L", "S"), [(5, 5), (3, 6), (6, 3)])
def test_is_causal_lets_query_i_see_keys_up_to_i(L, S, device):
    gen = torch.Generator().manual_seed(43)
    q = randn(gen, 2, L, 8, device=device)
    k, v = randn(gen, 2, S, 8, device=device), randn(gen, 2, S, 4, device=device)
    what = describe_sdpa(q, k, v, is_causal=True)
    out, weights = sdpa(q, k, v, what, is_causal=True)
    keep = causal_keep(L, S, device)
    future = ~keep.expand_as(weights)
    if bool((weights[future] != 0).any()):
        past = keep.tril(-1).expand_as(weights)
        upper = bool((weights[past] == 0).all()) and bool(past.any())
        raise AssertionError(
            f"{what}: keys after the query (j > i) got weight up to "
            f"{weights[future].abs().max().item():.3g}; they must get 0. Likely mistake: "
            + (
                "the causal mask of the wrong orientation (triu instead of tril): each query "
                "sees the future and not the past."
                if upper
                else "no causal mask, or one of the wrong orientation; query i sees keys "
                "j <= i: keep = torch.ones(L, S).tril()."
            )
        )
    assert_tensor_close(
        out,
        F.scaled_dot_product_attention(q, k, v, attn_mask=keep),
        what=f"{what}: output against F.scaled_dot_product_attention with a tril mask",
        mistake="the causal mask of the wrong orientation or offset: torch.ones(L, S).tril() "
        "(diagonal 0, top-left aligned) marks the keys each query may see.",
        **TIGHT,
    )


@pytest.mark.task(2)
def test_is_causal_and_attn_mask_together(device):
    gen = torch.Generator().manual_seed(44)
    q = randn(gen, 2, 3, 5, 8, device=device)
    k, v = randn(gen, 2, 3, 5, 8, device=device), randn(gen, 2, 3, 5, 4, device=device)
    keep = random_keep(gen, (2, 1, 5, 5), device)
    keep[..., 0] = True  # key 0 is visible to every query, so no row is empty
    what = describe_sdpa(q, k, v, attn_mask=keep, is_causal=True)
    keep_before = keep.clone()
    out, _ = sdpa(q, k, v, what, attn_mask=keep, is_causal=True)
    if not torch.equal(keep, keep_before):
        raise AssertionError(
            f"{what} changed the caller's attn_mask (in place). Likely mistake: "
            f"attn_mask &= causal; combine into a new tensor: attn_mask & causal."
        )
    both = keep & causal_keep(5, 5, device)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=both)
    if not close(out, expected):
        for used, which in ((keep, "only attn_mask"), (causal_keep(5, 5, device), "only causal")):
            if close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=used)):
                raise AssertionError(
                    f"{what}: the result uses {which}; with is_causal and attn_mask together "
                    f"a key takes part only when both allow it (attn_mask & causal)."
                )
    assert_tensor_close(
        out,
        expected,
        what=f"{what}: output against F.scaled_dot_product_attention(attn_mask & tril)",
        mistake="with is_causal and attn_mask together a key takes part only when both allow it.",
        **TIGHT,
    )
    bias = torch.zeros(2, 1, 5, 5, dtype=q.dtype, device=device).masked_fill(~keep, INF)
    out, _ = sdpa(q, k, v, what, attn_mask=bias, is_causal=True)
    assert_tensor_close(
        out,
        expected,
        what=f"{describe_sdpa(q, k, v, attn_mask=bias, is_causal=True)} with a float 0/-inf "
        f"mask (the same mask as the bool one)",
        mistake="a float mask and is_causal together: add the mask, then fill the future with "
        "-inf.",
        **TIGHT,
    )


def empty_row_cases(gen, device):
    """(label, kwargs, rows with no key): bool False rows, -inf rows, causal x mask."""
    keep = random_keep(gen, (4, 6), device)
    keep[1] = False
    bias = randn(gen, 4, 6, device=device)
    bias[2] = INF
    causal_empty = torch.ones(4, 6, dtype=torch.bool, device=device)
    causal_empty[0, 0] = False  # query 0 sees only key 0 under is_causal; this hides it
    return [
        ("a bool mask whose row 1 is all False", {"attn_mask": keep}, [1]),
        ("a float mask whose row 2 is all -inf", {"attn_mask": bias}, [2]),
        (
            "is_causal=True with attn_mask hiding key 0 from query 0",
            {"attn_mask": causal_empty, "is_causal": True},
            [0],
        ),
    ]


@pytest.mark.task(2)
def test_a_query_with_no_key_gets_zeros_not_nan(device):
    gen = torch.Generator().manual_seed(45)
    for label, kwargs, rows in empty_row_cases(gen, device):
        q = randn(gen, 2, 4, 8, device=device)
        k, v = randn(gen, 2, 6, 8, device=device), randn(gen, 2, 6, 5, device=device)
        what = f"{describe_sdpa(q, k, v, **kwargs)} with {label}"
        out, weights = sdpa(q, k, v, what, **kwargs)
        if bool(out.isnan().any()) or bool(weights.isnan().any()):
            raise AssertionError(
                f"{what}: NaN in the output or the weights. Likely mistake: a fully masked "
                f"row is softmax over nothing but -inf, 0/0 = NaN; such a row must give "
                f"weights 0 and output 0 (give it finite scores, then zero its weights)."
            )
        for r in rows:
            uniform = close(weights[:, r], torch.full_like(weights[:, r], 1 / 6))
            assert_tensor_close(
                weights[:, r],
                torch.zeros_like(weights[:, r]),
                what=f"{what}: weights of the fully masked query {r}",
                mistake="a fully masked row must get weights 0. Every key hidden by attn_mask, "
                "by is_causal or by both takes no part"
                + (
                    "; these are uniform weights 1/S, as a large finite negative number "
                    "instead of -inf gives."
                    if uniform
                    else "."
                ),
            )
            assert_tensor_close(
                out[:, r],
                torch.zeros_like(out[:, r]),
                what=f"{what}: output of the fully masked query {r}",
                mistake="a fully masked row must give output 0.",
            )
        keep = torch.ones(4, 6, dtype=torch.bool, device=device)
        mask = kwargs["attn_mask"]
        keep = keep & (mask if mask.dtype == torch.bool else mask.isfinite())
        if kwargs.get("is_causal"):
            keep = keep & causal_keep(4, 6, device)
        bias = None if mask.dtype == torch.bool else mask.nan_to_num(neginf=0.0)
        expected_out, expected_weights = formula(q, k, v, keep=keep, bias=bias)
        for got, expected, name in (
            (weights, expected_weights, "weights"),
            (out, expected_out, "output"),
        ):
            assert_tensor_close(
                got,
                expected,
                what=f"{what}: the {name} of every query",
                mistake="the rows that do see keys follow softmax(q @ k^T * scale + mask) "
                "over the keys (see the mask tests for which).",
                **TIGHT,
            )


@pytest.mark.task(2)
def test_a_query_with_no_key_gives_finite_gradients(device):
    gen = torch.Generator().manual_seed(46)
    for label, kwargs, _ in empty_row_cases(gen, device):
        q, k, v = (randn(gen, 2, n, 8, device=device).requires_grad_(True) for n in (4, 6, 6))
        what = f"{describe_sdpa(q, k, v, **kwargs)} with {label}"
        out, weights = sdpa(q, k, v, what, **kwargs)
        (out.sum() + (weights * randn(gen, *weights.shape, device=device)).sum()).backward()
        for name, t in (("query", q), ("key", k), ("value", v)):
            if t.grad is None:
                raise AssertionError(
                    f"{what}: {name}.grad is None after backward: the output and the weights "
                    f"are not connected to {name} in the graph. Likely mistake: .detach(), "
                    f".data or torch.no_grad()."
                )
            if not bool(t.grad.isfinite().all()):
                raise AssertionError(
                    f"{what}: {name}.grad is not finite (NaN). Likely mistake: a NaN gradient "
                    "from the fully masked row: nan_to_num() or torch.where() after a softmax "
                    "that made NaN hides it in the output, but backward still runs through "
                    "the NaN. Give the empty row finite scores before the softmax, then zero "
                    "its weights."
                )


@pytest.mark.task(2)
def test_integer_mask_raises_type_error(device):
    q = torch.ones(1, 2, 4, device=device)
    mask = torch.tensor([[1, 0], [1, 1]], device=device)
    what = describe_sdpa(q, q, q, attn_mask=mask)
    with forbid(*TORCH_ATTENTION, kata=kata):
        assert_raises(
            TypeError,
            kata.scaled_dot_product_attention,
            q,
            q,
            q,
            attn_mask=mask,
            what=f"{what} with an integer 0/1 mask",
            mistake="an integer mask is ambiguous: added as a float it would barely change "
            "the scores. Accept bool (True = takes part) or a floating mask (added), and "
            "raise TypeError for any other dtype.",
        )


@pytest.mark.task(2)
def test_inputs_and_masks_are_not_modified(device):
    gen = torch.Generator().manual_seed(47)
    q, k, v = (randn(gen, 2, n, 8, device=device) for n in (4, 6, 6))
    q.requires_grad_(True)
    keep = random_keep(gen, (4, 6), device)
    bias = randn(gen, 4, 6, device=device).masked_fill(~keep, INF)
    for mask in (keep, bias):
        before = [t.detach().clone() for t in (q, k, v, mask)]
        what = describe_sdpa(q, k, v, attn_mask=mask, is_causal=True)
        sdpa(q, k, v, what, attn_mask=mask, is_causal=True)
        for name, t, b in zip(
            ("query", "key", "value", "attn_mask"), (q, k, v, mask), before, strict=True
        ):
            if not torch.equal(t.detach(), b):
                raise AssertionError(
                    f"{what} changed the caller's {name} in place. Likely mistake: an "
                    f"in-place op (masked_fill_, &=, +=) on an input; make new tensors."
                )
        flags = [t.requires_grad for t in (q, k, v, mask)]
        if flags != [True, False, False, False]:
            raise AssertionError(
                f"{what} changed requires_grad of its inputs: now {flags} for query, key, "
                f"value, attn_mask; expected [True, False, False, False]."
            )


# ----------------------------------------------------------------------------- task 3


def heads_by_loop(x: torch.Tensor, H: int) -> torch.Tensor:
    """split_heads written plainly: head h is the feature slice h*d .. (h+1)*d - 1."""
    d = x.shape[-1] // H
    return torch.stack([x[:, :, h * d : (h + 1) * d] for h in range(H)], dim=1)


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("B", "T", "D", "H"), [(2, 5, 12, 3), (1, 1, 8, 2), (3, 4, 6, 1), (2, 3, 4, 4)]
)
def test_split_heads_takes_feature_slices(B, T, D, H, device):
    gen = torch.Generator().manual_seed(48)
    x = randn(gen, B, T, D, device=device)
    what = f"split_heads(x {shape_of(x)}, num_heads={H})"
    got = kata.split_heads(x, H)
    expected = heads_by_loop(x, H)
    if close(got, x.reshape(B, H, T, D // H)) and not close(got, expected):
        raise AssertionError(
            f"{what}: the reshape mixes heads and time: x.view(B, H, T, d) reads the memory "
            f"as if the heads came first. Split the features, then move the heads: "
            f"x.view(B, T, H, d).transpose(1, 2)."
        )
    interleaved = x.reshape(B, T, D // H, H).permute(0, 3, 1, 2)
    assert_tensor_close(
        got,
        expected,
        what=f"{what} against torch.stack([x[..., h*d:(h+1)*d] for h], dim=1)",
        mistake="the heads are interleaved (view(B, T, d, H)): head h holds features "
        "h*d .. (h+1)*d - 1, view(B, T, H, d).transpose(1, 2)."
        if H > 1 and D // H > 1 and close(got, interleaved)
        else "head h holds features h*d .. (h+1)*d - 1, shape (B, H, T, d): "
        "x.view(B, T, H, d).transpose(1, 2).",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(("B", "T", "H", "d"), [(2, 5, 3, 4), (1, 1, 2, 4), (3, 4, 1, 6)])
def test_merge_heads_concatenates_the_heads(B, T, H, d, device):
    gen = torch.Generator().manual_seed(49)
    x = randn(gen, B, H, T, d, device=device)
    what = f"merge_heads(x {shape_of(x)})"
    got = kata.merge_heads(x)
    expected = torch.cat([x[:, h] for h in range(H)], dim=-1)
    if H > 1 and T > 1 and close(got, x.reshape(B, T, H * d)):
        raise AssertionError(
            f"{what}: the reshape mixes heads and time: x.reshape(B, T, H * d) without "
            f"moving the heads back after time first. Use x.transpose(1, 2).reshape(B, T, H * d)."
        )
    assert_tensor_close(
        got,
        expected,
        what=f"{what} against torch.cat([x[:, h] for h], dim=-1)",
        mistake="feature h*d + i of step t must be x[:, h, t, i]: "
        "x.transpose(1, 2).reshape(B, T, H * d).",
    )


@pytest.mark.task(3)
def test_split_and_merge_work_on_non_contiguous_input_and_round_trip(device):
    gen = torch.Generator().manual_seed(50)
    x = randn(gen, 5, 2, 12, device=device).transpose(0, 1)  # (B, T, D) from (T, B, D)
    before = x.clone()
    what = f"merge_heads(split_heads(x {shape_of(x)} non-contiguous, 3))"
    split = kata.split_heads(x, 3)
    assert_tensor_close(split, heads_by_loop(x, 3), what=f"split_heads of a {what[18:]}")
    merged = kata.merge_heads(split)
    from_copy = kata.merge_heads(heads_by_loop(x, 3).contiguous())
    assert_tensor_close(
        merged,
        x,
        what=what,
        mistake="merge_heads is right for a contiguous input but not for split_heads' "
        "output: it reads the storage by hand instead of through indexing (use "
        "transpose + reshape)."
        if close(from_copy, x)
        else "merge_heads is not the inverse of split_heads: feature h*d + i of step t is "
        "x[:, h, t, i].",
    )
    if not torch.equal(x, before):
        raise AssertionError(f"{what} changed the caller's x in place.")


@pytest.mark.task(3)
def test_split_heads_raises_when_not_divisible(device):
    x = torch.zeros(2, 5, 10, device=device)
    assert_raises(
        ValueError,
        kata.split_heads,
        x,
        3,
        what="split_heads(x (2, 5, 10), num_heads=3): 10 features do not split into 3 heads",
        mistake="check D % num_heads before reshaping (reshape's own error is a RuntimeError).",
    )


# ----------------------------------------------------------------------------- task 4

E, H = 12, 3  # head size 4: 1/sqrt(4) and 1/sqrt(12) are told apart


def torch_mha(gen, device, batch_first: bool, embed_dim: int = E, num_heads: int = H):
    """torch's nn.MultiheadAttention in float64 with random weights AND biases."""
    mha = nn.MultiheadAttention(embed_dim, num_heads, batch_first=batch_first)
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return mha.to(device=device, dtype=torch.float64)


def make_mine(reference: nn.MultiheadAttention) -> nn.Module:
    """The learner's MultiHeadAttention with the reference's weights, built under forbid."""
    __tracebackhide__ = True
    call = (
        f"MultiHeadAttention({reference.embed_dim}, {reference.num_heads}, "
        f"batch_first={reference.batch_first})"
    )
    with forbid(*TORCH_ATTENTION, kata=kata):
        mine = kata.MultiHeadAttention(
            reference.embed_dim, reference.num_heads, batch_first=reference.batch_first
        )
    device = reference.in_proj_weight.device
    mine = mine.to(device=device, dtype=torch.float64)
    try:
        mine.load_state_dict(reference.state_dict())
    except RuntimeError as err:
        raise AssertionError(
            f"{call}.load_state_dict(nn.MultiheadAttention(...).state_dict()) failed: {err}. "
            f"Likely mistake: parameters not named in_proj_weight (3E, E), in_proj_bias (3E,) "
            f"and out_proj (nn.Linear(E, E))."
        ) from err
    return mine


def mha_call(mine, q, k, v, what: str, **kwargs):
    __tracebackhide__ = True
    with forbid(*TORCH_ATTENTION, kata=kata):
        result = mine(q, k, v, **kwargs)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(
            f"{what} returned {type(result).__name__}; expected (output, weights), as "
            f"nn.MultiheadAttention does."
        )
    return result


def mha_inputs(gen, device, batch_first: bool, cross: bool, B=3, L=4, S=6):
    """query and key/value in the module's layout (self-attention: key = value = query)."""
    q = randn(gen, B, L, E, device=device)
    if cross:
        k, v = randn(gen, B, S, E, device=device), randn(gen, B, S, E, device=device)
    else:
        k = v = q
    if not batch_first:
        q, k, v = (t.transpose(0, 1) for t in (q, k, v))  # non-contiguous views
    return q, k, v


def describe_mha(mine, q, k, v, **kwargs) -> str:
    args = [f"query {shape_of(q)}", f"key {shape_of(k)}", f"value {shape_of(v)}"]
    for name, value in kwargs.items():
        args.append(f"{name}={shape_of(value) if isinstance(value, torch.Tensor) else value}")
    return (
        f"MultiHeadAttention({mine.embed_dim if hasattr(mine, 'embed_dim') else E}, {H}, "
        f"batch_first={getattr(mine, 'batch_first', '?')})({', '.join(args)})"
    )


def mha_by_formula(reference, q, k, v, scale: float, bias=None) -> torch.Tensor:
    """nn.MultiheadAttention's output written with F.linear and SDPA, with any scale."""
    if not reference.batch_first:
        q, k, v = (t.transpose(0, 1) for t in (q, k, v))
    w, b = reference.in_proj_weight.chunk(3), reference.in_proj_bias.chunk(3)
    heads = [
        F.linear(t, w[i], b[i]).unflatten(-1, (reference.num_heads, -1)).transpose(1, 2)
        for i, t in enumerate((q, k, v))
    ]
    out = F.scaled_dot_product_attention(*heads, attn_mask=bias, scale=scale)
    out = reference.out_proj(out.transpose(1, 2).flatten(2))
    return out if reference.batch_first else out.transpose(0, 1)


def name_the_mha_mistake(reference, got, q, k, v, what: str) -> None:
    """Fail with the mistake's name when the learner's output is a known wrong variant."""
    __tracebackhide__ = True
    d = reference.embed_dim // reference.num_heads
    for scale, mistake in (
        (
            1 / math.sqrt(reference.embed_dim),
            "scores scaled by 1/sqrt(embed_dim) instead of "
            f"1/sqrt(head_dim): each head's keys have d = E // num_heads = {d} features.",
        ),
        (1.0, "missing the 1/sqrt(d_k) scale on each head's scores."),
    ):
        if close(got, mha_by_formula(reference, q, k, v, scale)):
            raise AssertionError(f"{what}: {mistake}")
    flipped = nn.MultiheadAttention(
        reference.embed_dim, reference.num_heads, batch_first=not reference.batch_first
    ).to(device=q.device, dtype=q.dtype)
    flipped.load_state_dict(reference.state_dict())
    if close(got, flipped(q, k, v)[0]):
        raise AssertionError(
            f"{what}: the output is what the other layout gives: batch_first ignored. With "
            f"batch_first={reference.batch_first} the inputs are "
            + ("(B, L, E)." if reference.batch_first else "(L, B, E): time first.")
        )


@pytest.mark.task(4)
def test_parameters_have_torchs_names_shapes_and_init():
    torch.manual_seed(0)
    with forbid(*TORCH_ATTENTION, kata=kata):
        mine = kata.MultiHeadAttention(E, H)
    call = f"MultiHeadAttention({E}, {H})"
    expected = {n: p.shape for n, p in nn.MultiheadAttention(E, H).named_parameters()}
    got = {n: p.shape for n, p in mine.named_parameters()}
    if got != expected:
        raise AssertionError(
            f"{call} has parameters {got}; expected {expected}, nn.MultiheadAttention's "
            f"names and shapes (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias)."
        )
    if not isinstance(getattr(mine, "out_proj", None), nn.Linear):
        raise AssertionError(f"{call}.out_proj should be an nn.Linear({E}, {E}).")
    for name in ("in_proj_bias", "out_proj.bias"):
        value = mine.get_parameter(name)
        if bool((value != 0).any()):
            raise AssertionError(
                f"{call}.{name} is not all zeros at initialisation; nn.MultiheadAttention "
                f"starts its biases at 0 (nn.init.zeros_)."
            )
    bound = math.sqrt(6 / (E + 3 * E))  # xavier_uniform_ of a (3E, E) matrix
    w = mine.in_proj_weight.detach()
    if float(w.abs().max()) > bound or float(w.abs().max()) < bound / 2:
        raise AssertionError(
            f"{call}.in_proj_weight has values up to {float(w.abs().max()):.3g}; "
            f"nn.init.xavier_uniform_ draws from (-{bound:.3g}, {bound:.3g}) for a "
            f"({3 * E}, {E}) matrix. Likely mistake: torch.empty without an init, or "
            f"randn."
        )


@pytest.mark.task(4)
def test_embed_dim_not_divisible_raises_value_error():
    with forbid(*TORCH_ATTENTION, kata=kata):
        assert_raises(
            ValueError,
            kata.MultiHeadAttention,
            10,
            3,
            what="MultiHeadAttention(10, 3): 10 features do not split into 3 heads",
            mistake="check embed_dim % num_heads in __init__ and raise ValueError.",
        )


@pytest.mark.task(4)
@pytest.mark.parametrize("batch_first", [False, True], ids=["time-first", "batch-first"])
@pytest.mark.parametrize("cross", [False, True], ids=["self", "cross"])
def test_output_matches_torch_multihead_attention(batch_first, cross, device):
    gen = torch.Generator().manual_seed(51)
    for _ in range(2):
        reference = torch_mha(gen, device, batch_first)
        mine = make_mine(reference)
        q, k, v = mha_inputs(gen, device, batch_first, cross)
        what = describe_mha(mine, q, k, v)
        out, _ = mha_call(mine, q, k, v, what)
        expected, _ = reference(q, k, v)
        if not close(out, expected):
            name_the_mha_mistake(reference, out, q, k, v, what)
        assert_tensor_close(
            out,
            expected,
            what=f"{what}: output against nn.MultiheadAttention with the same weights",
            mistake="rows 0..E-1 of in_proj_weight project the queries, E..2E-1 the keys, "
            "2E..3E-1 the values; heads split with split_heads; out_proj on the merged heads.",
            **TIGHT,
        )


@pytest.mark.task(4)
@pytest.mark.parametrize("batch_first", [False, True], ids=["time-first", "batch-first"])
def test_weights_are_averaged_over_heads_or_per_head(batch_first, device):
    gen = torch.Generator().manual_seed(52)
    reference = torch_mha(gen, device, batch_first)
    mine = make_mine(reference)
    q, k, v = mha_inputs(gen, device, batch_first, cross=True)
    for average in (True, False):
        what = describe_mha(mine, q, k, v, average_attn_weights=average)
        _, weights = mha_call(mine, q, k, v, what, average_attn_weights=average)
        _, expected = reference(q, k, v, average_attn_weights=average)
        if average and isinstance(weights, torch.Tensor) and weights.dim() == 4:
            raise AssertionError(
                f"{what} returned weights of shape {tuple(weights.shape)}; expected "
                f"{tuple(expected.shape)}, averaged over the heads (mean over dim 1)."
            )
        if average and close(weights, expected * H):
            raise AssertionError(
                f"{what}: the weights are summed over the heads, not averaged over the heads "
                f"(each query's weights must sum to 1)."
            )
        time_first = (
            isinstance(weights, torch.Tensor)
            and weights.dim() == expected.dim()
            and close(weights.transpose(0, -2), expected)
        )
        assert_tensor_close(
            weights,
            expected,
            what=f"{what}: weights against nn.MultiheadAttention's",
            mistake="weights are batch first whatever batch_first says: (B, L, S) averaged "
            "over the heads, or (B, num_heads, L, S) per head."
            if time_first
            else "the weights are each head's softmax over the keys, (B, num_heads, L, S), "
            "averaged over the heads (dim 1) when average_attn_weights=True.",
            **TIGHT,
        )


@pytest.mark.task(4)
def test_need_weights_false_returns_none(device):
    gen = torch.Generator().manual_seed(53)
    reference = torch_mha(gen, device, batch_first=True)
    mine = make_mine(reference)
    q, k, v = mha_inputs(gen, device, True, cross=False)
    what = describe_mha(mine, q, k, v, need_weights=False)
    out, weights = mha_call(mine, q, k, v, what, need_weights=False)
    if weights is not None:
        raise AssertionError(f"{what} returned weights {shape_of(weights)}; expected None.")
    assert_tensor_close(out, reference(q, k, v)[0], what=f"{what}: output", **TIGHT)


@pytest.mark.task(4)
def test_gradients_match_torch_multihead_attention(device):
    gen = torch.Generator().manual_seed(54)
    reference = torch_mha(gen, device, batch_first=False)
    mine = make_mine(reference)
    q, k, v = mha_inputs(gen, device, False, cross=True)
    inputs = [t.clone().requires_grad_(True) for t in (q, k, v)]
    ref_inputs = [t.clone().requires_grad_(True) for t in (q, k, v)]
    what = describe_mha(mine, *inputs)
    out, _ = mha_call(mine, *inputs, what)
    upstream = randn(gen, *out.shape, device=device)
    (out * upstream).sum().backward()
    (reference(*ref_inputs)[0] * upstream).sum().backward()
    for name, p in mine.named_parameters():
        expected = reference.get_parameter(name).grad
        if p.grad is None:
            raise AssertionError(f"{what}: {name}.grad is None after backward: it is not used.")
        assert_tensor_close(p.grad, expected, what=f"{what}: {name}.grad", **TIGHT)
    for name, a, b in zip(("query", "key", "value"), inputs, ref_inputs, strict=True):
        assert_tensor_close(a.grad, b.grad, what=f"{what}: {name}.grad", **TIGHT)


@pytest.mark.task(4)
def test_inputs_are_not_modified(device):
    gen = torch.Generator().manual_seed(55)
    reference = torch_mha(gen, device, batch_first=True)
    mine = make_mine(reference)
    q, k, v = mha_inputs(gen, device, True, cross=True)
    kpm = torch.zeros(3, 6, dtype=torch.bool, device=device)
    kpm[0, 4:] = True
    mask = torch.triu(torch.ones(4, 6, dtype=torch.bool, device=device), 1)
    before = [t.clone() for t in (q, k, v, kpm, mask)]
    what = describe_mha(mine, q, k, v, key_padding_mask=kpm, attn_mask=mask)
    mha_call(mine, q, k, v, what, key_padding_mask=kpm, attn_mask=mask)
    for name, t, b in zip(
        ("query", "key", "value", "key_padding_mask", "attn_mask"),
        (q, k, v, kpm, mask),
        before,
        strict=True,
    ):
        if not torch.equal(t, b):
            raise AssertionError(f"{what} changed the caller's {name} in place.")


# ----------------------------------------------------------------------------- task 5


def check_mha_masks(reference, mine, q, k, v, what, torch_kwargs, **kwargs) -> None:
    """Output and per-head weights equal torch's; name an inverted mask when it is one."""
    __tracebackhide__ = True
    out, weights = mha_call(mine, q, k, v, what, average_attn_weights=False, **kwargs)
    expected, expected_weights = reference(q, k, v, average_attn_weights=False, **torch_kwargs)
    if isinstance(weights, torch.Tensor) and weights.shape == expected_weights.shape:
        hidden = expected_weights == 0  # exactly the keys the masks hide
        for name in ("key_padding_mask", "attn_mask"):
            mask = kwargs.get(name)
            if mask is None or mask.dtype != torch.bool:
                continue
            if name == "key_padding_mask":
                ignore = mask[:, None, None, :].expand_as(weights)
            else:
                ignore = mask.expand_as(weights)
            if bool((weights[~ignore] == 0).all()) and bool((weights[ignore] != 0).any()):
                raise AssertionError(
                    f"{what}: the {name} inverted: keys marked True got weight and the others "
                    f"none. In nn.MultiheadAttention True means IGNORE (the opposite of "
                    f"scaled_dot_product_attention's bool mask): invert it (~{name}) before "
                    f"passing it on as a 'takes part' mask."
                )
        if bool((weights[hidden] != 0).any()):
            raise AssertionError(
                f"{what}: keys the masks hide got weight up to "
                f"{weights[hidden].abs().max().item():.3g}; they must get exactly 0. Likely "
                f"mistake: a mask ignored or inverted (True means ignore here)."
            )
    assert_tensor_close(
        out,
        expected,
        what=f"{what}: output against nn.MultiheadAttention with the same masks",
        mistake="masks applied to the wrong axis, or a float attn_mask not added to the "
        "scaled scores of every head (or the output is wrong without masks too: see "
        "test_output_matches_torch_multihead_attention).",
        **TIGHT,
    )
    assert_tensor_close(
        weights,
        expected_weights,
        what=f"{what} with average_attn_weights=False: per-head weights",
        **TIGHT,
    )


def random_padding(gen, B: int, S: int, device) -> torch.Tensor:
    """(B, S) bool, True = padding at the end of each row; every row keeps >= 1 real key."""
    lengths = torch.randint(1, S + 1, (B,), generator=gen)
    lengths[0] = S
    return (torch.arange(S) >= lengths[:, None]).to(device)


@pytest.mark.task(5)
@pytest.mark.parametrize("batch_first", [False, True], ids=["time-first", "batch-first"])
def test_key_padding_mask_true_means_ignore(batch_first, device):
    gen = torch.Generator().manual_seed(56)
    for _ in range(2):
        reference = torch_mha(gen, device, batch_first)
        mine = make_mine(reference)
        q, k, v = mha_inputs(gen, device, batch_first, cross=True)
        kpm = random_padding(gen, 3, 6, device)
        what = describe_mha(mine, q, k, v, key_padding_mask=kpm)
        check_mha_masks(
            reference, mine, q, k, v, what, {"key_padding_mask": kpm}, key_padding_mask=kpm
        )


@pytest.mark.task(5)
def test_bool_attn_mask_true_means_not_allowed(device):
    gen = torch.Generator().manual_seed(57)
    reference = torch_mha(gen, device, batch_first=True)
    mine = make_mine(reference)
    q, k, v = mha_inputs(gen, device, True, cross=False, L=5)
    causal = torch.triu(torch.ones(5, 5, dtype=torch.bool, device=device), 1)  # True = future
    what = describe_mha(mine, q, k, v, attn_mask=causal) + " with a causal (triu) mask"
    check_mha_masks(reference, mine, q, k, v, what, {"attn_mask": causal}, attn_mask=causal)
    blocked = ~random_keep(gen, (5, 5), device)
    what = describe_mha(mine, q, k, v, attn_mask=blocked) + " with a random mask"
    check_mha_masks(reference, mine, q, k, v, what, {"attn_mask": blocked}, attn_mask=blocked)


@pytest.mark.task(5)
def test_float_attn_mask_is_added(device):
    gen = torch.Generator().manual_seed(58)
    reference = torch_mha(gen, device, batch_first=False)
    mine = make_mine(reference)
    q, k, v = mha_inputs(gen, device, False, cross=True)
    bias = randn(gen, 4, 6, device=device).masked_fill(~random_keep(gen, (4, 6), device), INF)
    what = describe_mha(mine, q, k, v, attn_mask=bias)
    check_mha_masks(reference, mine, q, k, v, what, {"attn_mask": bias}, attn_mask=bias)


@pytest.mark.task(5)
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_padding_and_attn_mask_together(kind, device):
    gen = torch.Generator().manual_seed(59)
    reference = torch_mha(gen, device, batch_first=True)
    mine = make_mine(reference)
    q, k, v = mha_inputs(gen, device, True, cross=False, L=6)
    kpm = random_padding(gen, 3, 6, device)
    causal = torch.triu(torch.ones(6, 6, dtype=torch.bool, device=device), 1)
    if kind == "bool":
        attn_mask, torch_kwargs = causal, {"key_padding_mask": kpm, "attn_mask": causal}
    else:
        # torch warns when the two masks' types differ: give it both as float
        attn_mask = torch.zeros(6, 6, dtype=torch.float64, device=device).masked_fill(causal, INF)
        attn_mask = attn_mask + randn(gen, 6, 6, device=device)
        kpm_float = torch.zeros(3, 6, dtype=torch.float64, device=device).masked_fill(kpm, INF)
        torch_kwargs = {"key_padding_mask": kpm_float, "attn_mask": attn_mask}
    what = describe_mha(mine, q, k, v, key_padding_mask=kpm, attn_mask=attn_mask)
    check_mha_masks(
        reference, mine, q, k, v, what, torch_kwargs, key_padding_mask=kpm, attn_mask=attn_mask
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("batch_first", [False, True], ids=["time-first", "batch-first"])
def test_a_query_that_sees_nothing_gets_out_proj_bias(batch_first, device):
    gen = torch.Generator().manual_seed(60)
    reference = torch_mha(gen, device, batch_first)
    mine = make_mine(reference)
    q, k, v = mha_inputs(gen, device, batch_first, cross=True)
    kpm = random_padding(gen, 3, 6, device)
    kpm[1] = True  # batch element 1: every key is padding
    blocked = torch.zeros(4, 6, dtype=torch.bool, device=device)
    blocked[2] = True  # query 2 may see no key, in every batch element
    what = describe_mha(mine, q, k, v, key_padding_mask=kpm, attn_mask=blocked)
    out, weights = mha_call(mine, q, k, v, what, key_padding_mask=kpm, attn_mask=blocked)
    out_bf = out if batch_first else out.transpose(0, 1)  # (B, L, E)
    if bool(out.isnan().any()) or (weights is not None and bool(weights.isnan().any())):
        raise AssertionError(
            f"{what}: NaN in the output or weights. Likely mistake: the fully masked rows "
            f"(every key of batch element 1, and query 2 everywhere) went through a softmax "
            f"over nothing but -inf; they must give attention output 0."
        )
    bias = reference.out_proj.bias.detach()
    empty = torch.zeros(3, 4, dtype=torch.bool, device=device)
    empty[1], empty[:, 2] = True, True
    assert_tensor_close(
        out_bf[empty],
        bias.expand(int(empty.sum()), -1),
        what=f"{what}: the output rows of the queries that see no key",
        mistake="a query that sees nothing gets attention output 0, so out_proj gives "
        "exactly out_proj.bias.",
        **TIGHT,
    )
    assert_tensor_close(
        weights[empty],
        torch.zeros(int(empty.sum()), 6, dtype=q.dtype, device=device),
        what=f"{what}: the weights of the queries that see no key",
        **TIGHT,
    )
    expected, _ = reference(q, k, v, key_padding_mask=kpm, attn_mask=blocked)
    expected_bf = expected if batch_first else expected.transpose(0, 1)
    assert_tensor_close(
        out_bf[~empty],
        expected_bf[~empty],
        what=f"{what}: the other output rows against nn.MultiheadAttention",
        **TIGHT,
    )
