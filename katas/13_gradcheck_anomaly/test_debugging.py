"""Tests for kata 13: gradcheck and detect_anomaly, on planted bugs at random places."""

from collections.abc import Callable

import pytest
import torch
from torch.autograd.gradcheck import GradcheckError

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

# torch warns on every use of detect_anomaly, and again ("Error detected in LogBackward0.
# Traceback of forward call...") when anomaly mode catches a NaN. Both are the tool working
# as documented; the kata asks the learner to use it, so both are exempt on task 2's tests.
ANOMALY_WARNINGS = [
    pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled:UserWarning"),
    pytest.mark.filterwarnings("ignore:Error detected in:UserWarning"),
]


def rand(gen: torch.Generator, *shape, device, dtype=torch.float64) -> torch.Tensor:
    return torch.randn(shape, generator=gen, dtype=torch.float64).to(device, dtype)


# ----------------------------------------------------------------------------- task 1
# Custom Functions, right and wrong: the wrong ones are bugs a candidate really writes.


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2


class CubeMissingFactor(Cube):
    """Bug: d(x^3)/dx written as x^2."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x**2


class Sigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        s = torch.sigmoid(x)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s * (1 - s)


class SigmoidIgnoresGrad(Sigmoid):
    """Bug: the local derivative without the incoming gradient."""

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return s * (1 - s)


class MatVec(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        return a @ x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        return torch.outer(grad, x), a.T @ grad


class MatVecSwapped(MatVec):
    """Bug: the input gradient for a square A uses A instead of A^T."""

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        return torch.outer(grad, x), a @ grad


def correct_cases(gen, device, dtype):
    n = 4
    return [
        ("Cube", lambda x: Cube.apply(x), (rand(gen, 5, device=device, dtype=dtype),)),
        ("Sigmoid", lambda x: Sigmoid.apply(x) * 3, (rand(gen, 2, 3, device=device, dtype=dtype),)),
        (
            "MatVec",
            lambda a, x: MatVec.apply(a, x).sin(),
            (rand(gen, n, n, device=device, dtype=dtype), rand(gen, n, device=device, dtype=dtype)),
        ),
        (
            "torch ops",
            lambda x: torch.tanh(x) * x.exp(),
            (rand(gen, 3, device=device, dtype=dtype),),
        ),
    ]


def broken_cases(gen, device):
    n = 4
    return [
        (
            "Cube with d/dx = x^2",
            lambda x: CubeMissingFactor.apply(x),
            (rand(gen, 5, device=device),),
        ),
        (
            "Sigmoid ignoring grad_output",
            lambda x: Sigmoid.apply(x) * 3 + SigmoidIgnoresGrad.apply(x),
            (rand(gen, 2, 3, device=device),),
        ),
        (
            "MatVec using A instead of A^T",
            lambda a, x: MatVecSwapped.apply(a, x),
            (rand(gen, n, n, device=device), rand(gen, n, device=device)),
        ),
    ]


def check(fn, inputs, what: str) -> bool:
    __tracebackhide__ = True
    try:
        got = kata.backward_is_correct(fn, *inputs)
    except GradcheckError as err:
        raise AssertionError(
            f"{what} raised GradcheckError instead of returning False ({str(err)[:200]}...). "
            f"Likely mistake: gradcheck raises by default; pass raise_exception=False."
        ) from None
    except UserWarning as warning:
        why = (
            "gradcheck in float32 (or another dtype below float64: the inputs' own); "
            "check float64 copies."
            if "not a double precision" in str(warning)
            else "check float64 copies that require grad, with the docstring's tolerances."
        )
        raise AssertionError(
            f"{what} warned: {str(warning)[:160]}. Likely mistake: {why}"
        ) from None
    except ValueError as err:
        if "require gradient" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised ValueError: {err} Likely mistake: the float64 copies do not "
            f"require grad; call requires_grad_(True) on each copy (detach() and .to() "
            f"give tensors that do not)."
        ) from None
    if not isinstance(got, bool):
        raise AssertionError(f"{what} returned {got!r}, expected a bool.")
    return got


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16])
@pytest.mark.parametrize("seed", range(2))
def test_correct_backward_passes(dtype, seed, device):
    gen = torch.Generator().manual_seed(seed)
    for name, fn, inputs in correct_cases(gen, device, dtype):
        what = f"backward_is_correct(fn, ...) for the correct {name} on {dtype} inputs"
        if not check(fn, inputs, what):
            why = (
                "gradcheck in float32 (finite differences that coarse fail even a correct "
                "backward); use float64 copies."
                if dtype != torch.float64
                else "the inputs are float64 already, so not the dtype: tolerances tighter "
                "than the docstring's (eps=1e-6, atol=1e-5, rtol=1e-3), or the result "
                "inverted."
            )
            raise AssertionError(f"{what} returned False. Likely mistake: {why}")


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(2))
def test_broken_backward_is_flagged(seed, device):
    gen = torch.Generator().manual_seed(100 + seed)
    for name, fn, inputs in broken_cases(gen, device):
        what = f"backward_is_correct(fn, ...) for a {name}"
        if check(fn, inputs, what):
            raise AssertionError(
                f"{what} returned True: the planted bug went unnoticed. Likely mistake: "
                f"returning True without running gradcheck, or a tolerance far too loose."
            )


@pytest.mark.task(1)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_gradcheck_leaves_callers_tensors_alone(requires_grad, device):
    gen = torch.Generator().manual_seed(7)
    x = rand(gen, 4, device=device).requires_grad_(requires_grad)
    x_copy = x.detach().clone()
    if not check(lambda t: Cube.apply(t), (x,), "backward_is_correct(Cube, x)"):
        raise AssertionError("backward_is_correct(Cube, x) returned False for a correct Cube.")
    what = f"backward_is_correct(Cube, x) for a float64 x with requires_grad={requires_grad}"
    if x.requires_grad != requires_grad:
        raise AssertionError(
            f"{what} changed the caller's x: requires_grad is now {x.requires_grad}. Likely "
            f"mistake: x.double() returns x itself when x is already float64, so "
            f".requires_grad_() then flips the caller's flag; detach() first."
        )
    if x.grad is not None:
        raise AssertionError(
            f"{what} changed the caller's x: it now has a .grad. Likely mistake: gradcheck "
            f"ran its backward passes through the caller's own tensor; check detached "
            f"copies."
        )
    if not torch.equal(x.detach(), x_copy):
        raise AssertionError(
            f"{what} changed the caller's x: its values differ. Likely mistake: an in-place "
            f"op on the caller's tensor; work on copies."
        )


# ----------------------------------------------------------------------------- task 2
# A chain of safe ops with one planted op whose backward makes 0/0 where its input is 0.

SAFE: list[tuple[str, Callable]] = [
    ("tanh", torch.tanh),
    ("sin", torch.sin),
    ("scale", lambda h: 1.5 * h + 0.25),
    ("gauss", lambda h: torch.exp(-(h**2))),
    ("softplus", torch.nn.functional.softplus),
]
FAULTY: list[tuple[str, Callable]] = [  # each gets relu(h): exact zeros, masked out by where
    ("LogBackward0", lambda h: torch.where(h > 0, torch.log(h), 0.0)),
    ("SqrtBackward0", lambda h: torch.where(h > 0, torch.sqrt(h), 0.0)),
    ("RsqrtBackward0", lambda h: torch.where(h > 0, torch.rsqrt(h), 0.0)),
    ("DivBackward0", lambda h: torch.where(h > 0, torch.div(2 * h + 1, h), 0.0)),
]


def planted_chain(seed: int, faulty: int | None):
    """fn(x) = safe ops, centre and relu (exact zeros), the planted op if any, safe ops."""
    gen = torch.Generator().manual_seed(seed)
    before = [SAFE[i] for i in torch.randint(len(SAFE), (2,), generator=gen).tolist()]
    after = [SAFE[i] for i in torch.randint(len(SAFE), (2,), generator=gen).tolist()]
    ops = [*before, ("center", lambda h: h - h.mean()), ("relu", torch.relu)]
    if faulty is not None:
        ops.append(FAULTY[faulty])
    ops += after

    def fn(x, w):
        h = x * w
        for _, op in ops:
            h = op(h)
        return h

    return " -> ".join(name for name, _ in ops), fn


def anomaly_inputs(seed: int, device):
    gen = torch.Generator().manual_seed(1000 + seed)
    return rand(gen, 3, 6, device=device), rand(gen, 6, device=device)


def find(fn, inputs, what: str):
    __tracebackhide__ = True
    try:
        return kata.first_nan_op(fn, *inputs)
    finally:
        if torch.is_anomaly_enabled():
            torch.autograd.set_detect_anomaly(False)
            raise AssertionError(
                f"{what} left anomaly detection on (torch.is_anomaly_enabled() is True): "
                f"every later backward in the program runs slowly. Use the context manager "
                f"`with torch.autograd.detect_anomaly(check_nan=True):`."
            )


@pytest.mark.task(2)
@pytest.mark.parametrize("faulty", range(len(FAULTY)))
@pytest.mark.parametrize("seed", range(2))
@ANOMALY_WARNINGS[0]
@ANOMALY_WARNINGS[1]
def test_finds_the_planted_op_by_name(faulty, seed, device):
    chain, fn = planted_chain(10 * seed + faulty, faulty)
    inputs = anomaly_inputs(seed, device)
    what = f"first_nan_op(fn, x, w) for fn = {chain}"
    got = find(fn, inputs, what)
    expected = FAULTY[faulty][0]
    if got != expected:
        output_node = type(fn(*(t.clone().requires_grad_() for t in inputs)).grad_fn).__name__
        why = "read the node's name from the anomaly error, Function '<name>' returned nan."
        if got == output_node:
            why = "returned the output's node (out.grad_fn), not the node anomaly mode names."
        elif got is None:
            why = (
                "anomaly mode with check_nan=False, or no anomaly mode (NaN looked for after "
                "the fact, in .grad): a NaN made inside the backward can be masked (relu, "
                "where) before it gets there; only anomaly mode with check_nan=True stops at "
                "the node that made it."
            )
        raise AssertionError(
            f"{what} returned {got!r}, expected {expected!r}. Likely mistake: {why}"
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
@ANOMALY_WARNINGS[0]
@ANOMALY_WARNINGS[1]
def test_returns_none_without_nan(seed, device):
    chain, fn = planted_chain(50 + seed, None)
    what = f"first_nan_op(fn, x, w) for fn = {chain} (no NaN anywhere)"
    got = find(fn, anomaly_inputs(seed, device), what)
    if got is not None:
        raise AssertionError(f"{what} returned {got!r}, expected None.")


@pytest.mark.task(2)
@ANOMALY_WARNINGS[0]
@ANOMALY_WARNINGS[1]
def test_anomaly_search_leaves_caller_and_other_errors_alone(device):
    _, fn = planted_chain(3, 0)
    x, w = anomaly_inputs(3, device)
    x.requires_grad_(True)
    x_copy = x.detach().clone()
    what = "first_nan_op(fn, x, w) with x.requires_grad"
    if find(fn, (x, w), what) != "LogBackward0":
        raise AssertionError(f"{what} did not find LogBackward0.")
    changed = []
    if x.grad is not None:
        changed.append("x has a .grad")
    if not x.requires_grad:
        changed.append("x no longer requires grad")
    if w.requires_grad:
        changed.append("w now requires grad")
    if w.grad is not None:
        changed.append("w has a .grad")
    if not torch.equal(x.detach(), x_copy):
        changed.append("x's values differ")
    if changed:
        raise AssertionError(
            f"{what} changed the caller's tensors: {', '.join(changed)}. Likely mistake: the "
            f"forward and backward ran on the caller's own tensors (requires_grad_() on "
            f"them); run them on x.detach().clone().requires_grad_(True) copies."
        )

    def shape_bug(x, w):
        return x @ w[:5]  # a shape error, not a NaN: it must reach the caller

    try:
        got = find(shape_bug, (x, w), "first_nan_op(fn with a shape error, x, w)")
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "returned nan" in str(err):
            raise
        return  # the shape error reached the caller, as it should
    raise AssertionError(
        f"first_nan_op(fn, x, w) for an fn that raises a shape error returned {got!r}: it "
        f"swallowed the error. Re-raise a RuntimeError that is not the NaN report."
    )


# ----------------------------------------------------------------------------- task 3
# Formulas everyone writes first, and their stable forms (written here, not imported).


def naive_softmax(x):
    e = torch.exp(x)
    return e / e.sum(-1, keepdim=True)


def stable_softmax(x):
    e = torch.exp(x - x.amax(-1, keepdim=True))  # the largest term is exp(0) = 1
    return e / e.sum(-1, keepdim=True)


def naive_log_sigmoid(x):
    return torch.log(torch.sigmoid(x))  # sigmoid(-200) rounds to 0 in float32: log(0)


def stable_log_sigmoid(x):
    # log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)); exp(-|x|) <= 1 never overflows
    return torch.minimum(x, torch.zeros_like(x)) - torch.log1p(torch.exp(-x.abs()))


def naive_logsumexp(x):
    return torch.log(torch.exp(x).sum(-1))


def stable_logsumexp(x):
    m = x.amax(-1, keepdim=True)
    return (m + torch.log(torch.exp(x - m).sum(-1, keepdim=True))).squeeze(-1)


def naive_log1p(x):
    return torch.log(1 + x)  # 1 + 1e-7 is 1 in float32: the digits of x are gone


def cancellation(x):
    return (x + 1e5) - 1e5  # float32 spacing at 1e5 is 0.0078: most digits of x are lost


def minus_1000(x):
    return x - 1000.0  # exact in float32 for x near 1000 (Sterbenz): nothing to blame on fn


def normal_input(device):
    return lambda gen: torch.randn(4, 6, generator=gen, dtype=torch.float64).to(device)


def positive_input(device):  # log(1 + x) and log1p: x > 0 keeps the trials in the domain
    return lambda gen: (torch.rand(4, 6, generator=gen, dtype=torch.float64) + 0.01).to(device)


def near_one_input(device):  # scaled by 1e3 these sit near 1000
    return lambda gen: (1 + 1e-5 * torch.randn(4, 6, generator=gen, dtype=torch.float64)).to(device)


def judge(fn, make_input, what: str) -> bool:
    __tracebackhide__ = True
    got = kata.forward_is_stable(fn, make_input)
    if not isinstance(got, bool):
        raise AssertionError(
            f"{what} returned {got!r}, expected a Python bool (True or False). Likely "
            f"mistake: returning a tensor such as torch.isfinite(out).all(); use bool(...)."
        )
    return got


def inf_everywhere(x):
    return x / 0.0  # inf (nan where x is 0), in float32 and in float64 alike


def why_not_flagged(breaks_at: str, make_input, device) -> str:
    """A quick second check that tells the causes apart, for a naive fn judged stable."""
    if judge(inf_everywhere, make_input, "forward_is_stable(x / 0, ...)"):
        return (
            "outputs of inf or nan were not treated as unstable: forward_is_stable also "
            "passes fn = x / 0, which is inf everywhere. Check torch.isfinite on out and ref "
            "first: torch.allclose counts inf as close to inf, and the float64 reference of "
            "a naive formula overflows too."
        )
    if breaks_at == "x * 1e3":
        return (
            "the inputs scaled by 1e3 were never tried: the naive formula holds on moderate "
            "inputs and breaks only at large magnitudes (your function does flag a non-finite "
            "output: it rejects fn = x / 0)."
        )
    if judge(cancellation, normal_input(device), "forward_is_stable((x + 1e5) - 1e5, ...)"):
        return (
            "out and ref were not compared at different precisions, or with a tolerance far "
            "above 1e-4: forward_is_stable also passes (x + 1e5) - 1e5, which keeps only 3 "
            "digits of x in float32. The reference is fn(x32.double()) against out = "
            "fn(x32) in float32."
        )
    return (
        "the inputs near 0 (x * 1e-6) were never tried: log(1 + x) loses the digits of x "
        "only there (your function does catch float32 cancellation on ordinary inputs)."
    )


NAIVE = {
    "naive softmax, exp(x) / exp(x).sum(-1)": (naive_softmax, normal_input, "x * 1e3"),
    "log(sigmoid(x))": (naive_log_sigmoid, normal_input, "x * 1e3"),
    "log(exp(x).sum(-1))": (naive_logsumexp, normal_input, "x * 1e3"),
    "log(1 + x) on x > 0": (naive_log1p, positive_input, "x * 1e-6"),
}
STABLE = {
    "max-shifted softmax": (stable_softmax, normal_input),
    "min(x, 0) - log1p(exp(-|x|))": (stable_log_sigmoid, normal_input),
    "max-shifted log-sum-exp": (stable_logsumexp, normal_input),
    "torch.log1p on x > 0": (torch.log1p, positive_input),
    "torch.tanh": (torch.tanh, normal_input),
}


@pytest.mark.task(3)
@pytest.mark.parametrize("name", list(NAIVE))
def test_naive_formulas_are_flagged(name, device):
    fn, make, breaks_at = NAIVE[name]
    what = f"forward_is_stable({name}, make_input)"
    if judge(fn, make(device), what):
        raise AssertionError(
            f"{what} returned True, but in float32 this formula breaks at {breaks_at} "
            f"(non-finite, or far from the float64 reference). Likely mistake: "
            f"{why_not_flagged(breaks_at, make(device), device)}"
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("name", list(STABLE))
def test_stable_formulas_pass(name, device):
    fn, make = STABLE[name]
    what = f"forward_is_stable({name}, make_input)"
    if not judge(fn, make(device), what):
        raise AssertionError(
            f"{what} returned False for a formula that stays finite and within about 1e-7 "
            f"of float64 on every trial. Likely mistake: a tolerance tighter than 1e-4 of the "
            f"largest |ref|, or an elementwise relative test (entries that underflow in "
            f"float32, such as a softmax's exp(-100), are far off relative to themselves yet "
            f"tiny next to the output)."
        )


@pytest.mark.task(3)
def test_rounding_the_input_is_not_blamed_on_fn(device):
    what = "forward_is_stable(x - 1000, make_input near 1) (x * 1e3 sits near 1000)"
    if not judge(minus_1000, near_one_input(device), what):
        raise AssertionError(
            f"{what} returned False, but float32 computes x32 - 1000 exactly for x32 near "
            f"1000. Likely mistake: the reference ran on the float64 input before it was "
            f"rounded to float32, so the rounding of the input (up to 3e-5 at 1000) was "
            f"counted against fn; the reference is fn(x32.double())."
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("fn_name", ["x / 0", "log(x) on x < 0 too"])
def test_non_finite_outputs_are_flagged(fn_name, device):
    fn = inf_everywhere if fn_name == "x / 0" else torch.log
    what = f"forward_is_stable({fn_name}, make_input)"
    if judge(fn, normal_input(device), what):
        raise AssertionError(
            f"{what} returned True, but the output is inf or nan in float32 and in float64. "
            f"Likely mistake: no torch.isfinite check on out and ref: torch.allclose counts "
            f"inf as close to inf (and, with equal_nan=True, nan as close to nan)."
        )


@pytest.mark.task(3)
def test_float32_cancellation_on_ordinary_inputs_is_flagged(device):
    what = "forward_is_stable((x + 1e5) - 1e5, make_input) on ordinary randn inputs"
    if judge(cancellation, normal_input(device), what):
        raise AssertionError(
            f"{what} returned True, but in float32 the result keeps only about 3 digits of x "
            f"(relative error near 1e-3). Likely mistake: out and ref at the same precision "
            f"(the reference is fn on the float64 copy, out is fn on the float32 input), or a "
            f"tolerance far above 1e-4."
        )


@pytest.mark.task(3)
def test_forward_is_stable_leaves_the_callers_input_alone(device):
    gen = torch.Generator().manual_seed(5)
    base = torch.randn(4, 6, generator=gen, dtype=torch.float64).to(device)
    base_copy = base.clone()
    seen = []

    def make_input(g):  # hands out the caller's own tensor every time
        seen.append(g)
        return base

    what = "forward_is_stable(max-shifted softmax, make_input) with make_input returning one tensor"
    got = judge(stable_softmax, make_input, what)
    if not seen or not all(isinstance(g, torch.Generator) for g in seen):
        raise AssertionError(
            f"{what}: make_input was called {len(seen)} times, with "
            f"{sorted({type(g).__name__ for g in seen})}; expected calls with a torch.Generator."
        )
    assert_tensor_close(
        base,
        base_copy,
        what=f"{what}: the caller's tensor afterwards",
        mistake="scaling the draw in place (x *= 1e3, x.mul_(...)): that changed the caller's "
        "tensor; x * 1e3 makes a new one.",
    )
    if not got:
        raise AssertionError(f"{what} returned False for the max-shifted softmax.")
