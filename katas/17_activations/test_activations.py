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

SIGMOID_MISTAKE = (
    "1 / (1 + exp(-x)) as written: for x = -1000, exp(1000) is inf and the backward pass "
    "computes 0 * inf = NaN. A torch.where between two formulas does not help if the branch "
    "it does not pick still overflows: where's backward multiplies that branch's inf by 0. "
    "Exponentiate only -|x|, but not through x.abs(): its gradient at exactly 0 is 0, which "
    "zeroes the sigmoid's slope there; torch.where(x >= 0, -x, x) is -|x| with slope -1."
)
TANH_MISTAKE = (
    "(exp(x) - exp(-x)) / (exp(x) + exp(-x)) as written: at x = 1000 it is inf / inf = NaN. "
    "Use exp(-2|x|) and the sign of x (with -|x| written as torch.where(x >= 0, -x, x): "
    "x.abs() has gradient 0 at exactly 0)."
)
RELU_MISTAKE = (
    "the gradient at exactly 0: torch.relu's is 0, but torch.maximum(x, 0) splits it (0.5) "
    "and some formulas give 1. Use torch.where(x > 0, x, 0)."
)
SOFTMAX_MISTAKE = (
    "exp(x) before subtracting the max: exp(1000) is inf and inf / inf is NaN. Subtract "
    "each row's max (amax along dim, keepdim=True), not the max of the whole tensor, "
    "whose rows may be far below it and underflow to 0 / 0."
)
LOG_SOFTMAX_MISTAKE = (
    "log(softmax(x)): a probability that rounds to 0 gives -inf. Compute "
    "shifted - log(sum(exp(shifted))) with shifted = x - max. " + SOFTMAX_MISTAKE
)

ACTIVATIONS = {
    "sigmoid": (torch.sigmoid, SIGMOID_MISTAKE),
    "tanh": (torch.tanh, TANH_MISTAKE),
    "relu": (torch.relu, RELU_MISTAKE),
    "softmax": (torch.softmax, SOFTMAX_MISTAKE),
    "log_softmax": (torch.log_softmax, LOG_SOFTMAX_MISTAKE),
}


def call(name, x, *args):
    """The learner's activation, with torch's builtin activations switched off."""
    __tracebackhide__ = True
    with forbid(*FORBIDDEN, kata=kata):
        return getattr(kata, name)(x, *args)


def oracle(name, x, *args):
    fn = ACTIVATIONS[name][0]
    return fn(x, *args) if args else (fn(x, -1) if name.endswith("softmax") else fn(x))


def value_and_grad(fn, x, seed):
    """fn(x) and the gradient of a random weighting of it with respect to x."""
    leaf = x.detach().clone().requires_grad_(True)
    out = fn(leaf)
    gen = torch.Generator().manual_seed(seed)
    upstream = torch.randn(out.shape, generator=gen, dtype=out.dtype).to(out.device)
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


# ----------------------------------------------------------------------------- checks per task


def check_random_inputs(name, dtype, device):
    """Values and gradients equal torch's on random inputs of several shapes."""
    __tracebackhide__ = True
    mistake = ACTIVATIONS[name][1]
    for i, shape in enumerate(SHAPES):
        x = random_input(i, shape, device, dtype)
        what = f"{name}(x) for x of shape {shape}, {dtype}"
        got, g_got = value_and_grad(lambda t: call(name, t), x, i)
        expected, g_exp = value_and_grad(lambda t: oracle(name, t), x, i)
        assert_tensor_close(got, expected, what=what, mistake=mistake)
        assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=mistake)


def check_extreme_inputs(name, dtype, device):
    """Finite values and gradients, equal to torch's, for inputs from -1000 to 1000."""
    __tracebackhide__ = True
    mistake = ACTIVATIONS[name][1]
    x = torch.tensor(EXTREMES, dtype=dtype, device=device)
    if name.endswith("softmax"):  # rows mixing huge, tiny and moderate logits
        x = torch.stack([x, x.flip(0), x * 1e-3, x.roll(3)])
    what = f"{name}(x) for x = {x.shape[-1]} values from -1000 to 1000, {dtype}"
    got, g_got = value_and_grad(lambda t: call(name, t), x, 7)
    check_finite(got, what, mistake)
    check_finite(g_got, f"the gradient of {what}", mistake)
    expected, g_exp = value_and_grad(lambda t: oracle(name, t), x, 7)
    assert_tensor_close(got, expected, what=what, mistake=mistake)
    assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=mistake)


def check_non_contiguous(name, device):
    __tracebackhide__ = True
    x = random_input(11, (6, 5), device, torch.float32).t()  # a transposed view
    what = f"{name}(x) for a transposed (non-contiguous) x"
    assert_tensor_close(call(name, x), oracle(name, x), what=what, mistake=ACTIVATIONS[name][1])


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
    check_finite(g_got, f"the gradient of {what}", "subtracting a max that is -inf (-inf - -inf).")
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
    assert_tensor_close(
        g_got, g_exp, what="the gradient of relu(x) at x = [-2, 0, -0, 3]", mistake=RELU_MISTAKE
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
        raise AssertionError(f"softmax(x, dim=1) returned negative entries, min {got.min()}.")
    assert_tensor_close(
        got.sum(1),
        torch.ones(8, device=device),
        what="softmax(x, dim=1).sum(1) for logits of scale 300",
        mistake=SOFTMAX_MISTAKE,
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
