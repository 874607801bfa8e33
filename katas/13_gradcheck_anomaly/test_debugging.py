"""Tests for kata 13: gradcheck and detect_anomaly, on planted bugs at random places."""

from collections.abc import Callable

import pytest
import torch
from torch.autograd.gradcheck import GradcheckError

from torchkatas.harness import load_kata

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
        raise AssertionError(
            f"{what} warned: {str(warning)[:160]}. Likely mistake: gradcheck in float32 "
            f"(or on inputs that do not require grad); check float64 copies that require grad."
        ) from None
    if not isinstance(got, bool):
        raise AssertionError(f"{what} returned {got!r}, expected a bool.")
    return got


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("seed", range(2))
def test_correct_backward_passes(dtype, seed, device):
    gen = torch.Generator().manual_seed(seed)
    for name, fn, inputs in correct_cases(gen, device, dtype):
        what = f"backward_is_correct(fn, ...) for the correct {name} on {dtype} inputs"
        if not check(fn, inputs, what):
            raise AssertionError(
                f"{what} returned False. Likely mistake: gradcheck in float32 (finite "
                f"differences that coarse fail even a correct backward); use float64 copies."
            )


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
    if x.requires_grad != requires_grad or x.grad is not None or not torch.equal(x, x_copy):
        raise AssertionError(
            f"backward_is_correct changed the caller's x (requires_grad {requires_grad} -> "
            f"{x.requires_grad}, or its values or .grad). Likely mistake: x.double() returns "
            f"x itself when x is already float64, so .requires_grad_() then flips the "
            f"caller's flag; detach() first."
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
                "looked for NaN after the fact, in .grad: a NaN made inside the backward can be "
                "masked (relu, where) before it gets there; only anomaly mode with "
                "check_nan=True stops at the node that made it."
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
    if x.grad is not None or not x.requires_grad or w.requires_grad or not torch.equal(x, x_copy):
        raise AssertionError(
            f"{what} changed the caller's tensors (requires_grad or .grad). Likely mistake: "
            f"backward through the caller's own x; work on detached copies."
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
