"""Tests for kata 17: activations from scratch, checked against torch's own on random inputs."""

import pytest
import torch

from torchkatas.harness import assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

FORBIDDEN = (
    "torch.sigmoid",
    "torch.Tensor.sigmoid",
    "torch.nn.functional.sigmoid",
    "torch.special.expit",
    "torch.nn.functional.logsigmoid",
    "torch.tanh",
    "torch.Tensor.tanh",
    "torch.nn.functional.tanh",
    "torch.relu",
    "torch.Tensor.relu",
    "torch.nn.functional.relu",
    "torch.softmax",
    "torch.Tensor.softmax",
    "torch.nn.functional.softmax",
    "torch.special.softmax",
    "torch.log_softmax",
    "torch.Tensor.log_softmax",
    "torch.nn.functional.log_softmax",
    "torch.special.log_softmax",
    "torch.logsumexp",
    "torch.Tensor.logsumexp",
    "torch.special.logsumexp",
)
DTYPES = [torch.float32, torch.float64]
SHAPES = [(1,), (7,), (3, 4), (2, 3, 5)]
EXTREMES = [-1000.0, -100.0, -20.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 20.0, 100.0, 1000.0]

SIGMOID_OVERFLOW = (
    "1 / (1 + exp(-x)) as written: for x = -1000, exp(1000) is inf and the backward pass "
    "computes 0 * inf = NaN. A torch.where between two formulas does not help if the branch "
    "it does not pick still overflows: where's backward multiplies that branch's inf by 0. "
    "Exponentiate only -|x|."
)
SIGMOID_AT_ZERO = (
    "the slope at exactly x = 0 (torch's is 0.25): -|x| computed with x.abs() has gradient "
    "0 at 0, which zeroes it. Exponentiate -|x|, but not through x.abs(): "
    "torch.where(x >= 0, -x, x) is -|x| with slope -1 there."
)
TANH_OVERFLOW = (
    "an exp of a large positive number: (exp(x) - exp(-x)) / (exp(x) + exp(-x)) as written "
    "(inf / inf = NaN at x = 1000), or exp(-2x) without the |x| (exp(2000) at x = -1000). "
    "Use exp(-2|x|) and the sign of x."
)
TANH_AT_ZERO = (
    "the slope at exactly x = 0 (torch's is 1): x.abs() and torch.sign(x) both have "
    "gradient 0 at exactly 0 (and sign(0) is 0), which zeroes it; write -|x| as "
    "torch.where(x >= 0, -x, x) and apply the sign with torch.where(x >= 0, t, -t)."
)
RELU_MISTAKE = (
    "the gradient at exactly 0: torch.relu's is 0, but torch.maximum(x, 0) splits it (0.5) "
    "and some formulas give 1. Use torch.where(x > 0, x, 0)."
)
SOFTMAX_NO_MAX = (
    "exp(x) before subtracting the max: exp(1000) is inf and inf / inf is NaN. Subtract "
    "each slice's max along dim (amax(dim=dim, keepdim=True)) first."
)
SOFTMAX_GLOBAL_MAX = (
    "subtract each slice's max along dim, not the max of the whole tensor: a row far below "
    "the global max underflows to all zeros, and 0 / 0 is NaN."
)
LOG_OF_SOFTMAX = (
    "log(softmax(x)): a probability that rounds to 0 gives -inf (and a NaN gradient). "
    "Compute shifted - log(sum(exp(shifted))) with shifted = x - max."
)
FORMULA = {
    "sigmoid": "sigmoid(x) is 1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) for "
    "x < 0 (the same function, two forms): a sign, a branch or a gradient-cutting "
    "operation (.detach(), .item()) is off.",
    "tanh": "tanh(x) is sign(x) (1 - exp(-2|x|)) / (1 + exp(-2|x|)): a sign, a factor 2 or a "
    "gradient-cutting operation (.detach(), .item()) is off.",
    "relu": "relu(x) is x where x > 0, else 0 (gradient 1 where x > 0, else 0).",
    "softmax": "softmax is exp(x - max) / sum(exp(x - max)), the max and the sum both along "
    "dim with keepdim=True.",
    "log_softmax": "log_softmax is (x - max) - log(sum(exp(x - max))), the max and the sum "
    "both along dim with keepdim=True.",
}
OVERFLOW = {"sigmoid": SIGMOID_OVERFLOW, "tanh": TANH_OVERFLOW, "relu": FORMULA["relu"]}
AT_ZERO = {"sigmoid": SIGMOID_AT_ZERO, "tanh": TANH_AT_ZERO, "relu": RELU_MISTAKE}
ORACLES = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "softmax": torch.softmax,
    "log_softmax": torch.log_softmax,
}
ELEMENTWISE = ("sigmoid", "tanh", "relu")
TASK = {name: i for i, name in enumerate(ORACLES, start=1)}


def per_task(names):
    """pytest params, one per activation, each marked with its README task."""
    return [pytest.param(n, marks=pytest.mark.task(TASK[n]), id=n) for n in names]


def call(name, x, *args):
    """The learner's activation, with torch's builtin activations switched off."""
    __tracebackhide__ = True
    with forbid(*FORBIDDEN, kata=kata):
        return getattr(kata, name)(x, *args)


def oracle(name, x, *args):
    fn = ORACLES[name]
    return fn(x, *args) if args else (fn(x, -1) if name.endswith("softmax") else fn(x))


def value_and_grad(fn, x, seed):
    """fn(x) and the gradient of a random weighting of it with respect to x."""
    leaf = x.detach().clone().requires_grad_(True)
    out = fn(leaf)
    gen = torch.Generator().manual_seed(seed)
    upstream = torch.randn(out.shape, generator=gen, dtype=torch.float64).to(out.device, out.dtype)
    (grad,) = torch.autograd.grad(out, leaf, upstream)
    return out, grad


def check_finite(got, what, mistake):
    __tracebackhide__ = True
    if not torch.isfinite(got).all():
        bad = got[~torch.isfinite(got)].flatten()[:4].tolist()
        raise AssertionError(f"{what}: got non-finite values {bad}. Likely mistake: {mistake}")


def random_input(seed, shape, device, dtype, scale=5.0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=gen, dtype=torch.float64) * scale).to(device, dtype)


def softmax_overflow_mistake(name, x, got, g_got):
    """Which slices went non-finite tells the missing max from the global one."""
    finite = torch.isfinite(got) & torch.isfinite(g_got)
    bad_rows = ~finite.all(-1)
    big_rows = x.amax(-1) > 80  # exp of the slice's own max overflows even in float64
    if name == "log_softmax":
        at_max = got.gather(-1, x.argmax(-1, keepdim=True))
        if not torch.isnan(got).any() and torch.isfinite(at_max).all():
            return LOG_OF_SOFTMAX  # -inf only where a probability underflowed
    if bad_rows.any() and not (bad_rows & ~big_rows).any():
        return SOFTMAX_NO_MAX
    if bad_rows.any() and not (bad_rows & big_rows).any():
        return SOFTMAX_GLOBAL_MAX
    return f"{SOFTMAX_NO_MAX} Or: {SOFTMAX_GLOBAL_MAX}"


def extreme_mistake(name, x, got, g_got, g_exp):
    """The likely mistake, pinned by where the answer went wrong."""
    if isinstance(got, torch.Tensor) and got.shape == x.shape:
        if not (torch.isfinite(got).all() and torch.isfinite(g_got).all()):
            if name.endswith("softmax"):
                return softmax_overflow_mistake(name, x, got, g_got)
            return OVERFLOW[name]
        if name in AT_ZERO and g_got.dtype == g_exp.dtype:
            off = ~torch.isclose(g_got, g_exp)
            if off.any() and bool((x[off] == 0).all()):
                return AT_ZERO[name]
    return FORMULA[name]


# ----------------------------------------------------------------------------- checks per task


def check_random_inputs(name, dtype, device):
    """Values and gradients equal torch's on random inputs of several shapes."""
    __tracebackhide__ = True
    shapes = [(), (0, 3), *SHAPES] if name in ELEMENTWISE else [(0, 4), *SHAPES]
    for i, shape in enumerate(shapes):
        x = random_input(i, shape, device, dtype)
        what = f"{name}(x) for x of shape {shape}, {dtype}"
        got, g_got = value_and_grad(lambda t: call(name, t), x, i)
        expected, g_exp = value_and_grad(lambda t: oracle(name, t), x, i)
        assert_tensor_close(got, expected, what=what, mistake=FORMULA[name])
        assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=FORMULA[name])


def check_extreme_inputs(name, dtype, device):
    """Finite values and gradients, equal to torch's, for inputs from -1000 to 1000."""
    __tracebackhide__ = True
    x = torch.tensor(EXTREMES, dtype=dtype, device=device)
    if name.endswith("softmax"):  # rows mixing huge, tiny and moderate logits
        x = torch.stack([x, x.flip(0), x * 1e-3, x.roll(3)])
    else:  # "any finite x": the largest and smallest floats of the dtype too
        info = torch.finfo(dtype)
        edges = torch.tensor([info.min, -info.tiny, info.tiny, info.max], dtype=dtype)
        x = torch.cat([x, edges.to(device)])
    what = f"{name}(x) for x = {x.shape[-1]} values from -1000 to 1000 (and beyond), {dtype}"
    got, g_got = value_and_grad(lambda t: call(name, t), x, 7)
    expected, g_exp = value_and_grad(lambda t: oracle(name, t), x, 7)
    mistake = extreme_mistake(name, x, got, g_got, g_exp)
    check_finite(got, what, mistake)
    check_finite(g_got, f"the gradient of {what}", mistake)
    assert_tensor_close(got, expected, what=what, mistake=mistake)
    assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=mistake)


def check_non_contiguous(name, device):
    __tracebackhide__ = True
    x = random_input(11, (6, 5), device, torch.float32).t()  # a transposed view
    what = f"{name}(x) for a transposed (non-contiguous) x"
    assert_tensor_close(
        call(name, x),
        oracle(name, x),
        what=what,
        mistake="the result must not depend on the memory layout: .view() on a transposed "
        "tensor fails (use reshape), and a flatten-then-reshape must keep the shape. "
        + FORMULA[name],
    )


def check_any_dim(name, dim, device):
    __tracebackhide__ = True
    x = random_input(20 + dim, (3, 4, 5), device, torch.float64)
    what = f"{name}(x, dim={dim}) for x of shape (3, 4, 5)"
    got, g_got = value_and_grad(lambda t: call(name, t, dim), x, dim)
    expected, g_exp = value_and_grad(lambda t: oracle(name, t, dim), x, dim)
    mistake = f"the max, the exp-sum or keepdim taken along a different dim than dim={dim}."
    assert_tensor_close(got, expected, what=what, mistake=mistake)
    assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=mistake)


def check_masked(name, device):
    """-inf marks masked positions (attention masks); no row is fully masked."""
    __tracebackhide__ = True
    x = random_input(40, (4, 6), device, torch.float32)
    mask = torch.tensor([[1, 1, 0, 0, 0, 0], [0, 1, 0, 1, 0, 1], [1] * 6, [0, 0, 0, 0, 0, 1]])
    x = x.masked_fill(~mask.bool().to(device), float("-inf"))
    what = f"{name}(x) with -inf in the masked positions"
    got, g_got = value_and_grad(lambda t: call(name, t), x, 40)
    expected, g_exp = value_and_grad(lambda t: oracle(name, t), x, 40)
    assert_tensor_close(got, expected, what=what, mistake="exp(-inf) is 0: let it be.")
    why = (
        "a log of a probability (log(softmax(x)): at a masked position p is 0, the log's "
        "gradient 1 / 0 is inf, and inf * 0 is NaN; use shifted - log(sum(exp(shifted)))), "
        "or a max that is -inf subtracted (-inf - -inf)."
        if name == "log_softmax"
        else "a max that is -inf subtracted (-inf - -inf), or an operation whose gradient is "
        "inf where a probability is 0 (a log, a division by p)."
    )
    check_finite(g_got, f"the gradient of {what}", why)
    assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}")


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_equals_torch_on_random_inputs(dtype, device):
    check_random_inputs("sigmoid", dtype, device)


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_finite_for_extreme_inputs(dtype, device):
    check_extreme_inputs("sigmoid", dtype, device)


@pytest.mark.task(1)
def test_sigmoid_of_non_contiguous_input(device):
    check_non_contiguous("sigmoid", device)


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_equals_torch_on_random_inputs(dtype, device):
    check_random_inputs("tanh", dtype, device)


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_finite_for_extreme_inputs(dtype, device):
    check_extreme_inputs("tanh", dtype, device)


@pytest.mark.task(2)
def test_tanh_of_non_contiguous_input(device):
    check_non_contiguous("tanh", device)


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_equals_torch_on_random_inputs(dtype, device):
    check_random_inputs("relu", dtype, device)


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_for_extreme_inputs(dtype, device):
    check_extreme_inputs("relu", dtype, device)


@pytest.mark.task(3)
def test_relu_of_non_contiguous_input(device):
    check_non_contiguous("relu", device)


@pytest.mark.task(3)
def test_relu_gradient_at_exactly_zero(device):
    x = torch.tensor([-2.0, 0.0, -0.0, 3.0], device=device)
    got, g_got = value_and_grad(lambda t: call("relu", t), x, 3)
    _, g_exp = value_and_grad(torch.relu, x, 3)
    assert_tensor_close(got, torch.relu(x), what="relu(x) for x = [-2, 0, -0, 3]")
    mistake = RELU_MISTAKE
    if isinstance(g_got, torch.Tensor) and not torch.allclose(g_got, g_exp):
        # a second check: the slope at exactly 0 alone tells the usual causes apart
        zero = torch.zeros(1, device=device, requires_grad=True)
        (slope,) = torch.autograd.grad(call("relu", zero).sum(), zero)
        if float(slope) == 1.0:
            mistake = (
                "the gradient at exactly 0 is 1, torch.relu's is 0: x >= 0 in the where (or "
                "x * (x >= 0)) sends the tie at 0 through the x branch; use torch.where(x > 0, "
                "x, 0)."
            )
        elif float(slope) == 0.5:
            mistake = (
                "the gradient at exactly 0 is 0.5, torch.relu's is 0: torch.maximum(x, 0) "
                "splits the gradient of a tie; use torch.where(x > 0, x, 0)."
            )
    assert_tensor_close(
        g_got, g_exp, what="the gradient of relu(x) at x = [-2, 0, -0, 3]", mistake=mistake
    )


# ----------------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_equals_torch_on_random_inputs(dtype, device):
    check_random_inputs("softmax", dtype, device)


@pytest.mark.task(4)
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_finite_for_extreme_inputs(dtype, device):
    check_extreme_inputs("softmax", dtype, device)


@pytest.mark.task(4)
def test_softmax_of_non_contiguous_input(device):
    check_non_contiguous("softmax", device)


@pytest.mark.task(4)
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_softmax_along_any_dim(dim, device):
    check_any_dim("softmax", dim, device)


@pytest.mark.task(4)
def test_softmax_with_masked_entries(device):
    check_masked("softmax", device)


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(3))
def test_softmax_rows_sum_to_one(seed, device):
    x = random_input(30 + seed, (8, 10), device, torch.float32, scale=300.0)
    got = call("softmax", x, 1)
    if (got < 0).any():
        raise AssertionError(
            f"softmax(x, dim=1) returned negative entries, min {got.min()}: a probability "
            f"is exp(...) / sum(exp(...)), never negative. Likely mistake: {FORMULA['softmax']}"
        )
    assert_tensor_close(
        got.sum(1),
        torch.ones(8, device=device),
        what="softmax(x, dim=1).sum(1) for logits of scale 300",
        mistake=f"{SOFTMAX_NO_MAX} Or: {SOFTMAX_GLOBAL_MAX} Or: {FORMULA['softmax']}",
    )


# ----------------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_equals_torch_on_random_inputs(dtype, device):
    check_random_inputs("log_softmax", dtype, device)


@pytest.mark.task(5)
@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_finite_for_extreme_inputs(dtype, device):
    check_extreme_inputs("log_softmax", dtype, device)


@pytest.mark.task(5)
def test_log_softmax_of_non_contiguous_input(device):
    check_non_contiguous("log_softmax", device)


@pytest.mark.task(5)
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_log_softmax_along_any_dim(dim, device):
    check_any_dim("log_softmax", dim, device)


@pytest.mark.task(5)
def test_log_softmax_with_masked_entries(device):
    check_masked("log_softmax", device)


# ----------------------------------------------------------------------------- every task

LOW_PRECISION = [torch.float16, torch.bfloat16]


@pytest.mark.parametrize("dtype", LOW_PRECISION, ids=str)
@pytest.mark.parametrize("name", per_task(ORACLES))
def test_half_precision_inputs_keep_their_dtype(name, dtype, device):
    """float16 and bfloat16 are floating point too: same dtype back, values to rounding."""
    eps = torch.finfo(dtype).eps
    x = torch.tensor(EXTREMES, dtype=dtype, device=device)
    x = torch.stack([x, random_input(50, (11,), device, dtype), x.flip(0)])  # (3, 11)
    what = f"{name}(x) for x of dtype {dtype} with values from -1000 to 1000"
    got, g_got = value_and_grad(lambda t: call(name, t), x, 50)
    # the truth: torch's function on the same numbers in float64
    truth, g_truth = value_and_grad(lambda t: oracle(name, t), x.double(), 50)
    if isinstance(got, torch.Tensor) and got.dtype != dtype:
        raise AssertionError(
            f"{what}: returned {got.dtype}, expected {dtype} (x's dtype). Likely mistake: a "
            f"tensor made without dtype= (torch.zeros(x.shape), torch.tensor(0.)) is float32 "
            f"and promotes a half-precision result; use zeros_like(x) or a Python number, or "
            f"cast back after computing in float32."
        )
    mistake = extreme_mistake(name, x, got, g_got, g_got)
    check_finite(got, what, mistake)
    check_finite(g_got, f"the gradient of {what}", mistake)
    tol = {"rtol": 2 * eps, "atol": 2 * eps}  # a couple of roundings of the dtype
    assert_tensor_close(got, truth.to(dtype), what=what, mistake=mistake, **tol)
    scale = float(g_truth.abs().max())
    assert_tensor_close(
        g_got,
        g_truth.to(dtype),
        what=f"the gradient of {what}",
        mistake=mistake,
        rtol=0.0,
        atol=4 * eps * scale,
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_keeps_relative_precision_in_its_tail(dtype, device):
    """sigmoid(-30) is 9.4e-14, not 0 and not 1e-13 give or take 1e-8: log-likelihoods read it."""
    lowest = -85.0 if dtype == torch.float32 else -700.0  # above the subnormal range
    x = torch.tensor([lowest, -60.0, -30.0, -17.0, -5.0, -1e-3], dtype=dtype, device=device)
    got = call("sigmoid", x)
    assert_tensor_close(
        got,
        torch.sigmoid(x),
        what=f"sigmoid(x) for x = {x.tolist()} ({dtype}), compared relatively",
        mistake="1 - sigmoid(-x) (or 1 - 1 / (1 + exp(x)), or 0.5 * (1 + tanh(x / 2))) for "
        "negative x: 1 minus a number close to 1 (or 1 plus one close to -1) cancels, and the "
        "tiny probability loses its relative precision (or becomes 0). For x < 0 use "
        "exp(x) / (1 + exp(x)).",
        rtol=1e-5 if dtype == torch.float32 else 1e-12,
        atol=0.0,
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_keeps_relative_precision_near_zero(dtype, device):
    """tanh(x) is x to first order: tanh(1e-8) is 1e-8, not 0."""
    x = torch.tensor([1e-30, 1e-12, -1e-8, 3e-7, -2e-5, 1e-3], dtype=dtype, device=device)
    got = call("tanh", x)
    assert_tensor_close(
        got,
        torch.tanh(x),
        what=f"tanh(x) for tiny x = {x.tolist()} ({dtype}), compared relatively",
        mistake="1 - exp(-2|x|) (or 2 * sigmoid(2x) - 1) for tiny x: exp(-2|x|) rounds to "
        "1 and the difference cancels to 0. Use -expm1(-2|x|), which is exact there.",
        rtol=1e-5 if dtype == torch.float32 else 1e-12,
        atol=0.0,
    )


@pytest.mark.parametrize("name", per_task(["softmax", "log_softmax"]))
@pytest.mark.parametrize("dim", [1, -1])
def test_softmax_along_a_size_one_dim(name, dim, device):
    """A slice of one element has probability 1 (log-probability 0) and gradient 0."""
    x = random_input(60, (3, 1, 5) if dim == 1 else (3, 5, 1), device, torch.float64)
    what = f"{name}(x, dim={dim}) for x of shape {tuple(x.shape)}, a size-one dim"
    got, g_got = value_and_grad(lambda t: call(name, t, dim), x, 60)
    expected, g_exp = value_and_grad(lambda t: oracle(name, t, dim), x, 60)
    mistake = (
        "a squeeze() or an un-kept dim: amax and sum along dim need keepdim=True, and "
        "nothing may drop or merge the size-one dims. " + FORMULA[name]
    )
    assert_tensor_close(got, expected, what=what, mistake=mistake)
    assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=mistake)


@pytest.mark.parametrize("name", per_task(ORACLES))
def test_activations_leave_the_callers_tensor_alone(name, device):
    x = random_input(70, (4, 6), device, torch.float32).t()  # a view, as callers often pass
    before = x.clone()
    call(name, x)
    if not torch.equal(x, before):
        raise AssertionError(
            f"{name}(x) changed the caller's x: an activation must return a new tensor and "
            f"leave its input as it was (the caller, or autograd, still needs it). Likely "
            f"mistake: an in-place operation on x (x -= ..., x.clamp_(...), "
            f"x[x < 0] = 0); write x = x - ... or torch.where(...) instead."
        )
    # a new tensor, also where nothing needs to change (no negatives, nothing to zero)
    positive = random_input(71, (4, 6), device, torch.float32).abs() + 1
    out = call(name, positive)
    if isinstance(out, torch.Tensor) and (
        out is positive or out.untyped_storage().data_ptr() == positive.untyped_storage().data_ptr()
    ):
        raise AssertionError(
            f"{name}(x) for an x without negative entries returned the caller's x itself (or "
            f"a view of it), not a new tensor: writing into the result rewrites x. Likely "
            f"mistake: a shortcut such as `if (x >= 0).all(): return x`; always return a new "
            f"tensor (torch.where(x > 0, x, 0) is one)."
        )
