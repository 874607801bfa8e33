"""Tests for kata 13: gradcheck and detect_anomaly, on planted bugs at random places."""

import math
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
            wide = tuple(t.double() for t in inputs)
            if dtype != torch.float64 and check(fn, wide, f"{what}, cast to float64"):
                # a second check: the same values as float64 inputs pass, so the dtype decides
                why = (
                    f"gradcheck in {str(dtype).removeprefix('torch.')} (it passes the same "
                    f"values given as float64: finite differences that coarse fail even a "
                    f"correct backward); use float64 copies."
                )
            else:
                why = (
                    "not the dtype (it fails on float64 inputs too): tolerances tighter than "
                    "the docstring's (eps=1e-6, atol=1e-5, rtol=1e-3), or the result inverted."
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
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_gradcheck_leaves_callers_tensors_alone(requires_grad, dtype, device):
    gen = torch.Generator().manual_seed(7)
    x = rand(gen, 4, device=device, dtype=dtype).requires_grad_(requires_grad)
    old_grad = rand(gen, 4, device=device, dtype=dtype) if requires_grad else None
    x.grad = old_grad  # a gradient the caller accumulated earlier
    x_copy = x.detach().clone()
    if not check(lambda t: Cube.apply(t), (x,), "backward_is_correct(Cube, x)"):
        raise AssertionError("backward_is_correct(Cube, x) returned False for a correct Cube.")
    what = (
        f"backward_is_correct(Cube, x) for a {str(dtype).removeprefix('torch.')} x with "
        f"requires_grad={requires_grad}"
    )
    if x.dtype != dtype:
        raise AssertionError(
            f"{what} changed the caller's x: its dtype is now {x.dtype}. Likely mistake: "
            f"x.data = x.data.double() (or another assignment to x.data) swapped the caller's "
            f"storage; make float64 copies with x.detach().to(torch.float64)."
        )
    if x.requires_grad != requires_grad:
        raise AssertionError(
            f"{what} changed the caller's x: requires_grad is now {x.requires_grad}. Likely "
            f"mistake: requires_grad_() on the caller's tensor: x.double() (and .to()) return "
            f"x itself when x is already float64, so .requires_grad_() then flips the "
            f"caller's flag; detach() first."
        )
    if old_grad is None and x.grad is not None:
        raise AssertionError(
            f"{what} changed the caller's x: it now has a .grad. Likely mistake: gradcheck "
            f"ran its backward passes through the caller's own tensor; check detached "
            f"copies."
        )
    if old_grad is not None and (x.grad is None or not torch.equal(x.grad, old_grad)):
        now = "None" if x.grad is None else "different values"
        raise AssertionError(
            f"{what} changed the caller's x: its .grad, set before the call, is now {now}. "
            f"Likely mistake: clearing or zeroing the inputs' .grad (gradcheck never reads "
            f".grad: it calls torch.autograd.grad on its own copies), or a backward through "
            f"the caller's tensor."
        )
    if not torch.equal(x.detach(), x_copy):
        raise AssertionError(
            f"{what} changed the caller's x: its values differ. Likely mistake: an in-place "
            f"op on the caller's tensor; work on copies."
        )


class GeluTanhBackward(torch.autograd.Function):
    """Bug: the exact GELU forward with the backward of its tanh approximation (off by ~1e-3)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.nn.functional.gelu(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        c = math.sqrt(2 / math.pi)
        inner = c * (x + 0.044715 * x**3)
        t = torch.tanh(inner)
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * c * (1 + 3 * 0.044715 * x**2)
        return grad * d


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(2))
def test_slightly_wrong_backward_is_flagged(seed, device):
    """A backward off by about 0.1% is caught with the docstring's tolerances."""
    gen = torch.Generator().manual_seed(200 + seed)
    x = rand(gen, 12, device=device)
    what = "backward_is_correct(fn, x) for an exact GELU with the tanh-approximation's backward"
    if check(lambda t: GeluTanhBackward.apply(t), (x,), what):
        gross = broken_cases(torch.Generator().manual_seed(100), device)[0]
        if check(gross[1], gross[2], f"backward_is_correct(fn, ...) for a {gross[0]}"):
            why = "returning True without running gradcheck, or the result inverted."
        else:
            why = (
                "tolerances looser than the docstring's (eps=1e-6, atol=1e-5, rtol=1e-3): "
                "the gross bug (a missing factor of 3) is flagged, this 0.1% error is not."
            )
        raise AssertionError(
            f"{what} returned True, but its gradient is off by up to 9e-4, more than "
            f"atol + rtol * |grad| allows with the docstring's tolerances. Likely mistake: {why}"
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
        elif isinstance(got, str) and expected in got:
            why = (
                f"the name came back with its quotes or other text around it ({got!r}): "
                f'take only what is between the quotes, e.g. with re.search(r"Function '
                f"'(\\w+)'\", str(err))."
            )
        elif got is None:
            why = (
                "anomaly mode with check_nan=False, or only the forward ran inside the "
                "detect_anomaly block (backward() after it), or no anomaly mode (NaN looked "
                "for after the fact, in .grad): a NaN made inside the backward can be masked "
                "(relu, where) before it gets there; only anomaly mode with check_nan=True, on "
                "while the backward runs, stops at the node that made it."
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
    x, w = anomaly_inputs(3, device)
    x.requires_grad_(True)
    x_copy = x.detach().clone()
    # one search that stops at a NaN, one whose backward runs to the leaves
    for faulty, expected in ((0, "LogBackward0"), (None, None)):
        _, fn = planted_chain(3, faulty)
        kind = "with" if faulty is not None else "without"
        what = f"first_nan_op(fn, x, w) with x.requires_grad, for an fn {kind} a NaN"
        got = find(fn, (x, w), what)
        if got != expected:
            raise AssertionError(f"{what} returned {got!r}, expected {expected!r}.")
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
            if w.requires_grad or w.grad is not None:
                why = (
                    "requires_grad_() on the caller's own tensors: the forward and backward "
                    "ran on them"
                )
            elif x.grad is not None:
                why = (
                    "copies made with clone() without detach() (a clone of x stays in x's "
                    "graph, so the backward flows into x), or the backward ran on x itself"
                )
            else:
                why = "an in-place op or a .data assignment on the caller's tensors"
            raise AssertionError(
                f"{what} changed the caller's tensors: {', '.join(changed)}. Likely mistake: "
                f"{why}; run them on x.detach().clone().requires_grad_(True) copies."
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


def tiny_cancellation(x):
    return 1e-6 * cancellation(x)  # outputs near 1e-6, each wrong in its third digit


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
            "outputs of inf were not treated as unstable: forward_is_stable also passes "
            "fn = x / 0, which is inf everywhere. Check torch.isfinite on out and ref first: "
            "torch.allclose counts inf as close to inf, torch.isnan alone misses inf, and the "
            "float64 reference of a naive formula overflows too."
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
    if judge(tiny_cancellation, normal_input(device), "forward_is_stable(1e-6 * cancellation)"):
        return (
            "an absolute tolerance, not one scaled by the largest |ref|: forward_is_stable "
            "also passes 1e-6 * ((x + 1e5) - 1e5), whose outputs are tiny but wrong in the "
            "third digit. Compare the error with 1e-4 * ref.abs().max()."
        )
    return (
        "the inputs near 0 (x * 1e-6) were never tried: log(1 + x) loses the digits of x "
        "only there (your function does catch float32 cancellation on ordinary inputs, "
        "also when the outputs are tiny)."
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
            f"largest |ref|, or an absolute tolerance (outputs near 2000 are off by 1e-4 from "
            f"float32 rounding alone), or an elementwise relative test (entries that underflow "
            f"in float32, such as a softmax's exp(-100), are far off relative to themselves "
            f"yet tiny next to the output)."
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
        kind = "inf" if fn_name == "x / 0" else "nan"
        why = (
            "no torch.isfinite check on out and ref: torch.allclose counts inf as close to "
            "inf (and, with equal_nan=True, nan as close to nan)."
        )
        if kind == "inf" and not judge(torch.log, normal_input(device), "forward_is_stable(log)"):
            why = (
                "a check that finds nan but not inf (it rejects log(x), which is nan for x < 0): "
                "torch.isnan alone misses inf; use torch.isfinite on out and ref."
            )
        raise AssertionError(
            f"{what} returned True, but the output is {kind} in float32 and in float64. "
            f"Likely mistake: {why}"
        )


def overflows_in_float64_only(x):
    """A probe: x itself in float32, inf in float64 (as if only the float64 path overflowed)."""
    return x + (math.inf if x.dtype == torch.float64 else 0.0)


@pytest.mark.task(3)
def test_non_finite_reference_is_flagged(device):
    """The verdict is False when only the float64 reference is inf (out is finite)."""
    what = "forward_is_stable(fn, make_input) for an fn that is finite in float32, inf in float64"
    if judge(overflows_in_float64_only, normal_input(device), what):
        raise AssertionError(
            f"{what} returned True, but the reference ref = fn(x32.double()) is inf, and "
            f"the docstring calls a non-finite out or ref unstable. Likely mistake: only out "
            f"was checked with torch.isfinite, not ref (the error, inf, is then compared with "
            f"a tolerance that is inf too: inf > inf is False)."
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
        mistake="an in-place op on the draw, such as scaling it in place (x *= 1e3, "
        "x.mul_(...)): that changed the caller's tensor; x * 1e3 makes a new one.",
    )
    if not got:
        raise AssertionError(f"{what} returned False for the max-shifted softmax.")


@pytest.mark.task(3)
def test_draws_are_repeatable(device):
    """Two calls draw the same inputs from a generator the function seeds itself."""
    draws: list[list[torch.Tensor]] = [[], []]
    state = torch.random.get_rng_state()
    for call in range(2):
        make = normal_input(device)

        def make_input(g, call=call, make=make):
            x = make(g)
            draws[call].append(x.clone())
            return x

        judge(torch.tanh, make_input, "forward_is_stable(torch.tanh, make_input)")
    what = "forward_is_stable(torch.tanh, make_input), called twice"
    same = len(draws[0]) == len(draws[1]) and all(
        torch.equal(a, b) for a, b in zip(draws[0], draws[1], strict=True)
    )
    if not same:
        raise AssertionError(
            f"{what}: the draws differ between two calls ({len(draws[0])} and "
            f"{len(draws[1])} draws, not all equal), so the verdict is not repeatable. Likely "
            f"mistake: a generator seeded at random (gen.seed(), or seeded from the clock) or "
            f"the global one; use torch.Generator().manual_seed(0)."
        )
    if not torch.equal(torch.random.get_rng_state(), state):
        raise AssertionError(
            f"{what}: the global random state changed. Likely mistake: drawing from the global "
            f"generator (torch.default_generator, torch.manual_seed) instead of a "
            f"torch.Generator of your own."
        )
