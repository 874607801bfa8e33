"""Tests for kata 41: gradient clipping, checked against torch.nn.utils' own clipping."""

import copy
import math
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 5)]
NORM_TYPES = [
    pytest.param(1.0, id="norm1"),
    pytest.param(2.0, id="norm2"),
    pytest.param(math.inf, id="inf"),
    pytest.param(3.0, id="norm3"),
]
# torch's own clipping, under every name it is reachable by: the learner writes it here.
# The private module's names come first so that messages show the public ones.
TORCH_CLIPPING = (
    "torch.nn.utils.clip_grad._get_total_norm",
    "torch.nn.utils.clip_grad._clip_grads_with_norm_",
    "torch.nn.utils.clip_grad.clip_grad_norm_",
    "torch.nn.utils.clip_grad.clip_grad_norm",
    "torch.nn.utils.clip_grad.clip_grad_value_",
    "torch.nn.utils.get_total_norm",
    "torch.nn.utils.clip_grads_with_norm_",
    "torch.nn.utils.clip_grad_norm_",
    "torch.nn.utils.clip_grad_norm",
    "torch.nn.utils.clip_grad_value_",
)


# ----------------------------------------------------------------------------- helpers


def random_parameters(gen: torch.Generator, device, n: int | None = None) -> list[torch.Tensor]:
    """1 to 5 leaf tensors of random shapes; about a third have .grad None (never all)."""
    if n is None:
        n = int(torch.randint(1, 6, (), generator=gen))
    params = []
    for _ in range(n):
        shape = SHAPES[int(torch.randint(len(SHAPES), (), generator=gen))]
        p = torch.randn(shape, generator=gen).to(device).requires_grad_(True)
        scale = 10 ** float(torch.empty(()).uniform_(-1, 1, generator=gen))
        grad = torch.randn(shape, generator=gen) * scale
        if float(torch.rand((), generator=gen)) > 1 / 3:
            p.grad = grad.to(device)
        params.append(p)
    if all(p.grad is None for p in params):
        params[-1].grad = torch.randn(params[-1].shape, generator=gen).to(device)
    return params


def copy_parameters(params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Independent leaves with the same values and gradients (None stays None)."""
    copies = []
    for p in params:
        c = p.detach().clone().requires_grad_(True)
        c.grad = None if p.grad is None else p.grad.clone()
        copies.append(c)
    return copies


def true_norm(params: list[torch.Tensor], norm_type: float) -> float:
    """The norm of every gradient concatenated into one vector, in float64."""
    flat = torch.cat([p.grad.double().flatten() for p in params if p.grad is not None])
    return torch.linalg.vector_norm(flat, norm_type).item()


def describe(params: list[torch.Tensor]) -> str:
    parts = [f"{tuple(p.shape)}{' grad None' if p.grad is None else ''}" for p in params]
    return "[" + ", ".join(parts) + "]"


def call_learner(name: str, parameters, *args, what: str, grads_may_be_none: bool):
    """Call kata.<name> with torch's clipping forbidden; a crash on a None grad is explained."""
    __tracebackhide__ = True
    try:
        with forbid(*TORCH_CLIPPING, kata=kata):
            return getattr(kata, name)(parameters, *args)
    except (AttributeError, TypeError) as err:
        if not grads_may_be_none:
            raise
        text = str(err)
        if "NoneType" in text:
            raise AssertionError(
                f"{what} raised {type(err).__name__}: {err}. Some parameters here have .grad "
                f"None (frozen, or not used by the loss): they must be skipped, not clipped "
                f"or measured. Likely mistake: [p.grad for p in parameters] without `if "
                f"p.grad is not None`."
            ) from err
        if "'int'" in text or "'float'" in text:
            raise AssertionError(
                f"{what} raised {type(err).__name__}: {err}: a Python number where a tensor "
                f"was expected. Likely mistake: Python's sum() over the gradients' norms, "
                f"which for no gradients at all (every .grad None, or an exhausted generator) "
                f"is the int 0, not a tensor; expected the total norm as a tensor."
            ) from err
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}; expected the total norm as a tensor, "
            f"with the parameters whose .grad is None skipped."
        ) from err


def check_grads(got: list[torch.Tensor], expected: list[torch.Tensor], what: str, mistake: str):
    __tracebackhide__ = True
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if e.grad is None:
            if g.grad is not None:
                why = (
                    "filling missing gradients with zeros."
                    if not g.grad.any()
                    else "writing a gradient into a parameter that had none."
                )
                raise AssertionError(
                    f"{what}: parameter {i} had .grad None and should keep it, but now has a "
                    f"gradient. Likely mistake: {why}"
                )
            continue
        assert_tensor_close(g.grad, e.grad, what=f"{what}: .grad of parameter {i}", mistake=mistake)


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("norm_type", NORM_TYPES)
def test_clip_grad_norm_matches_torch(norm_type, device):
    gen = torch.Generator().manual_seed(41)
    for trial in range(12):
        params = random_parameters(gen, device)
        norm = true_norm(params, norm_type)
        # half the trials clip (max_norm below the norm), half leave the gradients alone
        factor = float(torch.empty(()).uniform_(0.1, 0.9, generator=gen))
        max_norm = norm * (factor if trial % 2 == 0 else 1 / factor)
        expected = copy_parameters(params)
        expected_norm = torch.nn.utils.clip_grad_norm_(expected, max_norm, norm_type)
        what = (
            f"clip_grad_norm(params, max_norm={max_norm:.4g}, norm_type={norm_type}) for "
            f"params {describe(params)} (total norm {norm:.4g})"
        )
        got_norm = call_learner(
            "clip_grad_norm", params, max_norm, norm_type, what=what, grads_may_be_none=True
        )
        after = min(norm, max_norm)  # the total norm once clipped
        is_after = (
            isinstance(got_norm, torch.Tensor)
            and got_norm.numel() == 1
            and trial % 2 == 0
            and math.isclose(float(got_norm), after, rel_tol=1e-4)
        )
        assert_tensor_close(
            got_norm,
            expected_norm,
            what=f"{what}: the returned total norm",
            mistake="the norm after clipping (about max_norm); return the norm before."
            if is_after
            else "a wrong way of combining the per-tensor norms: the total norm is the norm "
            "of the vector of per-tensor norms (for inf, their maximum).",
        )
        check_grads(
            params,
            expected,
            what,
            mistake="the coefficient must be min(max_norm / (total_norm + 1e-6), 1.0), "
            "applied to every gradient.",
        )


@pytest.mark.task(1)
def test_returns_total_norm_before_clipping(device):
    gen = torch.Generator().manual_seed(1)
    for _ in range(4):
        params = random_parameters(gen, device, n=3)
        norm = true_norm(params, 2.0)
        expected = torch.nn.utils.clip_grad_norm_(copy_parameters(params), norm / 4)
        what = f"clip_grad_norm(params, max_norm={norm / 4:.4g}) with a total norm of {norm:.4g}"
        got = call_learner("clip_grad_norm", params, norm / 4, what=what, grads_may_be_none=True)
        assert_tensor_close(
            got,
            expected,
            what=f"{what}: the returned value",
            mistake="returning the norm after clipping (about max_norm); the caller wants "
            "the norm before, to log how large the gradients really were.",
        )


@pytest.mark.task(1)
def test_gradients_below_max_norm_are_not_scaled_up(device):
    gen = torch.Generator().manual_seed(2)
    for _ in range(4):
        params = random_parameters(gen, device, n=3)
        before = copy_parameters(params)
        max_norm = true_norm(params, 2.0) * 5
        what = f"clip_grad_norm(params, max_norm={max_norm:.4g}), 5 times the total norm"
        call_learner("clip_grad_norm", params, max_norm, what=what, grads_may_be_none=True)
        coef = max_norm / (true_norm(before, 2.0) + 1e-6)
        scaled_up = all(
            e.grad is None
            or (g.grad is not None and torch.allclose(g.grad, e.grad * coef, rtol=1e-4))
            for g, e in zip(params, before, strict=True)
        )
        check_grads(
            params,
            before,
            what,
            mistake="the coefficient max_norm / (total_norm + 1e-6) was not clamped to 1.0, "
            "so small gradients were scaled up."
            if scaled_up
            else "gradients whose total norm is below max_norm must stay exactly as they are.",
        )


@pytest.mark.task(1)
def test_inf_norm_is_the_largest_absolute_gradient(device):
    gen = torch.Generator().manual_seed(3)
    for _ in range(4):
        params = random_parameters(gen, device, n=4)
        for p in params:  # every parameter has a gradient here
            if p.grad is None:
                p.grad = torch.randn(p.shape, generator=gen).to(device)
        largest = max(p.grad.abs().max() for p in params)
        expected = copy_parameters(params)
        torch.nn.utils.clip_grad_norm_(expected, 0.5, math.inf)
        what = f"clip_grad_norm(params, 0.5, norm_type=inf) for params {describe(params)}"
        got = call_learner(
            "clip_grad_norm", params, 0.5, math.inf, what=what, grads_may_be_none=False
        )
        assert_tensor_close(
            got,
            largest,
            what=f"{what}: the returned norm",
            mistake="the inf norm of all gradients is the largest absolute value over all "
            "of them (a max of the per-tensor maxima, not their sum, and not sum(|g|**p)**(1/p)).",
        )
        check_grads(params, expected, what, mistake="the inf norm computed wrongly.")


@pytest.mark.task(1)
def test_none_gradients_are_skipped(device):
    gen = torch.Generator().manual_seed(4)
    for norm_type in (1.0, 2.0, math.inf):
        params = random_parameters(gen, device, n=4)
        params[0].grad = None  # a frozen parameter first, and one in the middle
        params[2].grad = None
        params[3].grad = torch.randn(params[3].shape, generator=gen).to(device) * 10
        expected = copy_parameters(params)
        expected_norm = torch.nn.utils.clip_grad_norm_(expected, 0.1, norm_type)
        what = f"clip_grad_norm(params, 0.1, norm_type={norm_type}) for {describe(params)}"
        got = call_learner(
            "clip_grad_norm", params, 0.1, norm_type, what=what, grads_may_be_none=True
        )
        assert_tensor_close(got, expected_norm, what=f"{what}: the returned norm")
        check_grads(params, expected, what, mistake="None gradients must be skipped.")


@pytest.mark.task(1)
def test_generator_of_parameters_is_read_once(device):
    gen = torch.Generator().manual_seed(5)
    for norm_type in (2.0, math.inf):
        params = random_parameters(gen, device, n=4)
        max_norm = true_norm(params, norm_type) / 3
        expected = copy_parameters(params)
        expected_norm = torch.nn.utils.clip_grad_norm_(expected, max_norm, norm_type)
        what = (
            f"clip_grad_norm((p for p in params), {max_norm:.4g}, norm_type={norm_type}) "
            f"(a generator, like model.parameters())"
        )
        unclipped = copy_parameters(params)
        got = call_learner(
            "clip_grad_norm",
            (p for p in params),
            max_norm,
            norm_type,
            what=what,
            grads_may_be_none=True,
        )
        assert_tensor_close(got, expected_norm, what=f"{what}: the returned norm")
        untouched = all(
            (p.grad is None) == (u.grad is None) and (p.grad is None or torch.equal(p.grad, u.grad))
            for p, u in zip(params, unclipped, strict=True)
        )
        check_grads(
            params,
            expected,
            what,
            mistake="the generator was read twice (once for the norm, once to clip): the "
            "second pass sees nothing, so no gradient was scaled. Materialise it once with "
            "list(parameters)."
            if untouched
            else "the right norm, but the gradients scaled by another coefficient than "
            "min(max_norm / (total_norm + 1e-6), 1.0).",
        )


@pytest.mark.task(1)
def test_single_tensor_is_accepted(device):
    gen = torch.Generator().manual_seed(6)
    p = torch.randn(3, 4, generator=gen).to(device).requires_grad_(True)
    p.grad = torch.randn(3, 4, generator=gen).to(device) * 3
    expected = copy_parameters([p])
    expected_norm = torch.nn.utils.clip_grad_norm_(expected[0], 1.0)
    what = "clip_grad_norm(p, 1.0) for a single tensor p of shape (3, 4)"
    got = call_learner("clip_grad_norm", p, 1.0, what=what, grads_may_be_none=False)
    assert_tensor_close(
        got,
        expected_norm,
        what=f"{what}: the returned norm",
        mistake="iterating over a single tensor iterates over its rows (which have no .grad, "
        "so nothing is measured); wrap it in a list."
        if isinstance(got, int | float | torch.Tensor) and float(got) == 0.0
        else "a single tensor p is measured as [p].",
    )
    check_grads([p], expected, what, mistake="a single tensor must be treated as [p].")


@pytest.mark.task(1)
def test_tiny_and_zero_gradients_follow_torchs_epsilon(device):
    gen = torch.Generator().manual_seed(7)
    tiny = torch.randn(6, generator=gen).to(device) * 1e-7  # total norm about 2e-7
    zero = torch.zeros(6, device=device)
    for grad, max_norm, label in ((tiny, 1e-7, "tiny gradients"), (zero, 0.0, "zero gradients")):
        p = torch.zeros(6, device=device, requires_grad=True)
        p.grad = grad.clone()
        expected = copy_parameters([p])
        expected_norm = torch.nn.utils.clip_grad_norm_(expected, max_norm)
        what = f"clip_grad_norm([p], max_norm={max_norm}) with {label} (norm {grad.norm():.3g})"
        got = call_learner("clip_grad_norm", [p], max_norm, what=what, grads_may_be_none=False)
        assert_tensor_close(got, expected_norm, what=f"{what}: the returned norm")
        check_grads(
            [p],
            expected,
            what,
            mistake="the coefficient is max_norm / (total_norm + 1e-6), as torch computes it: "
            "without the 1e-6, tiny gradients are clipped differently and zero gradients "
            "with max_norm 0 become NaN (0 / 0).",
        )


@pytest.mark.task(1)
def test_no_gradients_at_all_returns_zero(device):
    params = [torch.ones(3, device=device, requires_grad=True) for _ in range(2)]
    what = "clip_grad_norm(params, 1.0) where every .grad is None"
    got = call_learner("clip_grad_norm", params, 1.0, what=what, grads_may_be_none=True)
    if not isinstance(got, torch.Tensor):
        why = (
            "the norm built with Python's sum() over the gradients, which for no gradients "
            "at all is the int 0, not a tensor (and 0 ** 0.5 is the float 0.0); return "
            "torch.tensor(0.0) then."
            if type(got) in (int, float) and got == 0
            else "return the total norm as a tensor, torch.tensor(0.0) when no parameter "
            "has a gradient."
        )
        raise AssertionError(
            f"{what} returned {got!r} ({type(got).__name__}); expected tensor(0.). Likely "
            f"mistake: {why}"
        )
    assert_tensor_close(
        got,
        torch.nn.utils.clip_grad_norm_(copy_parameters(params), 1.0),
        what=what,
        mistake="with nothing to measure, return torch.tensor(0.0) (stacking an empty list "
        "raises).",
    )
    if any(p.grad is not None for p in params):
        raise AssertionError(f"{what}: gave some parameter a .grad; they should stay None.")


@pytest.mark.task(1)
def test_torchs_own_clip_grad_norm_is_not_used(device):
    p = torch.ones(4, device=device, requires_grad=True)
    p.grad = torch.full((4,), 2.0, device=device)
    # any call of torch's clipping inside raises ForbiddenCall, whose message says so
    with forbid(*TORCH_CLIPPING, kata=kata):
        kata.clip_grad_norm([p], 1.0)
        kata.clip_grad_value([p], 0.5)
    assert_tensor_close(
        p.grad,
        torch.full((4,), 0.5, device=device),
        what="clip_grad_norm([p], 1.0) then clip_grad_value([p], 0.5) on a gradient of 2s",
    )


def noncontiguous_parameters(gen: torch.Generator, device, dtype=torch.float32):
    """Leaves whose .grad is a transposed, a strided and a contiguous tensor, scaled up."""
    params = []
    for make in (
        lambda: torch.randn(5, 3, generator=gen, dtype=dtype).t(),  # (3, 5), transposed
        lambda: torch.randn(8, generator=gen, dtype=dtype)[::2],  # (4,), every other element
        lambda: torch.randn(2, 3, generator=gen, dtype=dtype),
    ):
        grad = (make() * 4).to(device)
        p = torch.zeros(grad.shape, device=device, dtype=dtype, requires_grad=True)
        p.grad = grad
        params.append(p)
    return params


def check_same_grad_objects(params, before: list, what: str) -> None:
    __tracebackhide__ = True
    for i, (p, g) in enumerate(zip(params, before, strict=True)):
        if g is not None and p.grad is not g:
            raise AssertionError(
                f"{what}: parameter {i}'s .grad is now a new tensor; it should be the same "
                f"tensor, edited in place (as torch does). Code that holds the gradient "
                f"(a DDP bucket view, a hook, an optimizer's reference) never sees a "
                f"rebound one. Likely mistake: p.grad = p.grad * coef (or .clamp(...)) "
                f"instead of p.grad.mul_(coef) (or .clamp_(...))."
            )


@pytest.mark.task(1)
def test_clip_grad_norm_scales_each_grad_in_place(device):
    gen = torch.Generator().manual_seed(8)
    params = random_parameters(gen, device, n=4)
    before = [p.grad for p in params]
    max_norm = true_norm(params, 2.0) / 3
    expected = copy_parameters(params)
    torch.nn.utils.clip_grad_norm_(expected, max_norm)
    what = f"clip_grad_norm(params, {max_norm:.4g}) for params {describe(params)}"
    call_learner("clip_grad_norm", params, max_norm, what=what, grads_may_be_none=True)
    check_same_grad_objects(params, before, what)
    check_grads(params, expected, what, mistake="every gradient is multiplied by the coefficient.")


@pytest.mark.task(1)
def test_clip_grad_norm_handles_non_contiguous_gradients(device):
    gen = torch.Generator().manual_seed(9)
    for norm_type in (2.0, 1.0, math.inf):
        params = noncontiguous_parameters(gen, device)
        before = [p.grad for p in params]
        unclipped = copy_parameters(params)
        expected = copy_parameters(params)
        expected_norm = torch.nn.utils.clip_grad_norm_(expected, 1.0, norm_type)
        what = (
            f"clip_grad_norm(params, 1.0, norm_type={norm_type}) with a transposed (3, 5) "
            f"and a strided (4,) gradient"
        )
        try:
            got = call_learner(
                "clip_grad_norm", params, 1.0, norm_type, what=what, grads_may_be_none=False
            )
        except NotImplementedError:
            raise
        except RuntimeError as err:
            why = (
                "g.view(-1) to flatten; use g.reshape(-1), or torch.linalg.vector_norm(g) on "
                "each tensor."
                if "view" in str(err)
                else "an operation that assumes contiguous memory; measure each gradient "
                "with torch.linalg.vector_norm(g) and scale it with g.mul_(coef)."
            )
            raise AssertionError(
                f"{what} raised RuntimeError: {err}. Gradients need not be contiguous (a "
                f"transposed weight's gradient is not). Likely mistake: {why}"
            ) from err
        assert_tensor_close(got, expected_norm, what=f"{what}: the returned norm")
        check_same_grad_objects(params, before, what)
        missed = [
            i
            for i, (p, u) in enumerate(zip(params, unclipped, strict=True))
            if torch.equal(p.grad, u.grad)
        ]
        check_grads(
            params,
            expected,
            what,
            mistake=f"gradient(s) {missed} were not scaled at all: a non-contiguous gradient "
            f"was scaled through a copy (a flattened or contiguous() version) rather than "
            f"in place."
            if missed
            else "every gradient is multiplied by min(max_norm / (total_norm + 1e-6), 1.0).",
        )


@pytest.mark.task(1)
def test_float64_gradients_give_a_float64_norm(device):
    gen = torch.Generator().manual_seed(14)
    for norm_type in (2.0, math.inf):
        params = noncontiguous_parameters(gen, device, dtype=torch.float64)
        expected = copy_parameters(params)
        expected_norm = torch.nn.utils.clip_grad_norm_(expected, 0.5, norm_type)
        what = f"clip_grad_norm(params, 0.5, norm_type={norm_type}) with float64 gradients"
        got = call_learner(
            "clip_grad_norm", params, 0.5, norm_type, what=what, grads_may_be_none=False
        )
        if isinstance(got, torch.Tensor) and got.dtype != torch.float64:
            raise AssertionError(
                f"{what} returned a {got.dtype} norm; it must have the gradients' dtype "
                f"(float64 here). Likely mistake: torch.tensor(a Python float), which is "
                f"float32, or casting the gradients with .float()."
            )
        assert_tensor_close(got, expected_norm, what=f"{what}: the returned norm")
        check_grads(
            params,
            expected,
            what,
            mistake="float64 gradients clipped with a float32 coefficient, or another "
            "coefficient than min(max_norm / (total_norm + 1e-6), 1.0).",
        )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
def test_clip_grad_value_matches_torch(device):
    gen = torch.Generator().manual_seed(42)
    for _ in range(12):
        params = random_parameters(gen, device)
        clip_value = float(torch.empty(()).uniform_(0.05, 2.0, generator=gen))
        expected = copy_parameters(params)
        torch.nn.utils.clip_grad_value_(expected, clip_value)
        what = f"clip_grad_value(params, {clip_value:.3g}) for params {describe(params)}"
        before_value = copy_parameters(params)
        one_sided = copy_parameters(params)  # what clamp_(max=clip_value) alone gives
        for q in one_sided:
            if q.grad is not None:
                q.grad.clamp_(max=clip_value)
        got = call_learner("clip_grad_value", params, clip_value, what=what, grads_may_be_none=True)
        if got is not None:
            raise AssertionError(
                f"{what} returned {type(got).__name__}; it clips in place and returns None, "
                f"like torch.nn.utils.clip_grad_value_."
            )
        upper_only = all(
            q.grad is None or (p.grad is not None and torch.equal(p.grad, q.grad))
            for p, q in zip(params, one_sided, strict=True)
        ) and any(u.grad is not None and bool((u.grad < -clip_value).any()) for u in before_value)
        check_grads(
            params,
            expected,
            what,
            mistake="every element goes into [-clip_value, clip_value]: clamp both sides, "
            "not only the upper one."
            if upper_only
            else "every element goes into [-clip_value, clip_value]: "
            "p.grad.clamp_(-clip_value, clip_value).",
        )


@pytest.mark.task(2)
def test_clip_grad_value_takes_a_generator_and_a_single_tensor(device):
    gen = torch.Generator().manual_seed(43)
    params = random_parameters(gen, device, n=4)
    expected = copy_parameters(params)
    torch.nn.utils.clip_grad_value_(expected, 0.3)
    what = "clip_grad_value((p for p in params), 0.3) with a generator"
    call_learner("clip_grad_value", (p for p in params), 0.3, what=what, grads_may_be_none=True)
    check_grads(params, expected, what, mistake="a generator of parameters was not handled.")

    p = torch.zeros(2, 3, device=device, requires_grad=True)
    p.grad = torch.randn(2, 3, generator=gen).to(device) * 2
    expected = copy_parameters([p])
    torch.nn.utils.clip_grad_value_(expected[0], 0.3)
    what = "clip_grad_value(p, 0.3) for a single tensor p of shape (2, 3)"
    call_learner("clip_grad_value", p, 0.3, what=what, grads_may_be_none=False)
    check_grads([p], expected, what, mistake="a single tensor must be treated as [p].")


@pytest.mark.task(2)
def test_clip_grad_value_clamps_in_place_at_the_bounds(device):
    gen = torch.Generator().manual_seed(44)
    for clip_value in (0.5, 0.0):
        params = noncontiguous_parameters(gen, device)
        with torch.no_grad():  # elements exactly at the bounds stay as they are
            params[2].grad[0, :3] = torch.tensor([-clip_value, clip_value, 0.0])
        before = [p.grad for p in params]
        expected = copy_parameters(params)
        torch.nn.utils.clip_grad_value_(expected, clip_value)
        what = (
            f"clip_grad_value(params, {clip_value}) with a transposed and a strided gradient, "
            f"and elements exactly at +-{clip_value}"
        )
        call_learner("clip_grad_value", params, clip_value, what=what, grads_may_be_none=False)
        check_same_grad_objects(params, before, what)
        check_grads(
            params,
            expected,
            what,
            mistake="every element goes into [-clip_value, clip_value], bounds included "
            "(clip_value 0 zeroes every gradient).",
        )


# ----------------------------------------------------------------------------- task 3


def make_problem(seed: int, device):
    """A small regression MLP whose gradient norm is well above 1."""
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    model.to(device)
    inputs = torch.randn(8, 6, generator=gen).to(device)
    targets = (torch.randn(8, 3, generator=gen) * 5).to(device)
    return model, inputs, targets


def reference_step(model, inputs, targets, max_norm):
    """On a copy: this batch's loss, its gradient norm and the clipped gradients."""
    ref = copy.deepcopy(model)
    ref.zero_grad(set_to_none=True)
    loss = F.mse_loss(ref(inputs), targets)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(ref.parameters(), max_norm)
    return loss.item(), norm.item(), [p.grad.clone() for p in ref.parameters()]


def record_grads_at_step(optimizer, params) -> list[list]:
    """What optimizer.step() sees: the .grad of each parameter when step is called."""
    seen: list[list] = []

    def hook(opt, args, kwargs):
        seen.append([None if p.grad is None else p.grad.clone() for p in params])

    optimizer.register_step_pre_hook(hook)
    return seen


def check_float(loss, what: str) -> None:
    __tracebackhide__ = True
    if type(loss) is not float:
        raise AssertionError(
            f"{what} returned {type(loss).__name__}; expected a Python float (loss.item()), "
            f"which holds no graph and no device memory."
        )


def check_one_step(seen: list, what: str) -> list:
    __tracebackhide__ = True
    if len(seen) != 1:
        raise AssertionError(
            f"{what}: optimizer.step() was called {len(seen)} times; expected exactly once."
        )
    return seen[0]


@pytest.mark.task(3)
def test_optimizer_steps_on_clipped_gradients(device):
    for seed in range(3):
        model, inputs, targets = make_problem(seed, device)
        _, norm, _ = reference_step(model, inputs, targets, max_norm=1e9)
        max_norm = norm / 4
        _, _, clipped = reference_step(model, inputs, targets, max_norm)
        params = list(model.parameters())
        optimizer = torch.optim.SGD(params, lr=0.1)
        seen = record_grads_at_step(optimizer, params)
        what = (
            f"train_step(model, inputs, targets, mse_loss, SGD, max_norm={max_norm:.4g}) "
            f"with a gradient norm of {norm:.4g}"
        )
        with forbid(*TORCH_CLIPPING, kata=kata):  # "with your clip_grad_norm"
            kata.train_step(model, inputs, targets, F.mse_loss, optimizer, max_norm)
        grads = check_one_step(seen, what)
        if any(g is None for g in grads):
            raise AssertionError(
                f"{what}: optimizer.step() saw .grad None, so it updated nothing. Likely "
                f"mistake: zero_grad() between backward() and step()."
            )
        seen_norm = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item()
        if seen_norm > max_norm * 1.001:
            raise AssertionError(
                f"{what}: optimizer.step() saw gradients of total norm {seen_norm:.4g}, above "
                f"max_norm: they were not clipped when the update was made. Likely mistake: "
                f"clipping after optimizer.step() (too late) or before loss.backward() "
                f"(no gradients yet), or a clip_grad_norm that clips nothing when given "
                f"model.parameters(), a generator."
            )
        for i, (g, e) in enumerate(zip(grads, clipped, strict=True)):
            assert_tensor_close(
                g,
                e,
                what=f"{what}: .grad of parameter {i} seen by optimizer.step()",
                mistake="clip this batch's gradients with norm type 2, after backward, "
                "before step.",
            )


@pytest.mark.task(3)
def test_stale_gradients_do_not_leak_into_the_step(device):
    gen = torch.Generator().manual_seed(10)
    model, inputs, targets = make_problem(10, device)
    _, _, fresh = reference_step(model, inputs, targets, max_norm=1e9)  # no clipping
    params = list(model.parameters())
    for p in params:  # left over from an earlier batch
        p.grad = torch.randn(p.shape, generator=gen).to(device) * 10
    stale = [p.grad.clone() for p in params]
    optimizer = torch.optim.SGD(params, lr=0.1)
    seen = record_grads_at_step(optimizer, params)
    what = "train_step(..., max_norm=1e9) on a model whose .grad held an earlier batch's gradients"
    kata.train_step(model, inputs, targets, F.mse_loss, optimizer, 1e9)
    grads = check_one_step(seen, what)
    for i, (g, e) in enumerate(zip(grads, fresh, strict=True)):
        if g is None:
            raise AssertionError(f"{what}: optimizer.step() saw .grad None for parameter {i}.")
        if torch.allclose(g, e + stale[i], rtol=1e-4, atol=1e-6):
            why = (
                "stale gradients were added to this batch's: backward() accumulates into "
                ".grad, so call optimizer.zero_grad() before loss.backward()."
            )
        elif torch.allclose(g, stale[i], rtol=1e-4, atol=1e-6):
            why = (
                "the step saw the earlier batch's gradients alone: optimizer.step() before "
                "loss.backward()."
            )
        else:
            why = (
                "the step must see this batch's gradients alone (zero_grad before backward); "
                "with max_norm 1e9 nothing is clipped, so a clip_grad_norm that scales "
                "gradients below max_norm up changes them too."
            )
        assert_tensor_close(
            g,
            e,
            what=f"{what}: .grad of parameter {i} seen by optimizer.step()",
            mistake=why,
        )


@pytest.mark.task(3)
def test_calls_happen_in_the_right_order(device):
    model, inputs, targets = make_problem(11, device)
    events: list[str] = []
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def recording(obj, name):
        original = getattr(obj, name)

        def wrapper(*args, **kwargs):
            events.append("zero_grad")
            return original(*args, **kwargs)

        setattr(obj, name, wrapper)

    recording(optimizer, "zero_grad")  # either way of clearing gradients counts
    recording(model, "zero_grad")
    model.register_forward_hook(lambda module, args, output: events.append("forward"))
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: events.append("step"))

    def loss_fn(outputs, targets):
        events.append("loss")
        loss = F.mse_loss(outputs, targets)
        loss.register_hook(lambda grad: events.append("backward"))
        return loss

    kata.train_step(model, inputs, targets, loss_fn, optimizer, 1.0)
    what = f"train_step(...) made these calls, in order: {events}"
    for name in ("zero_grad", "forward", "loss", "backward", "step"):
        if name not in events:
            raise AssertionError(f"{what}; {name} is missing.")
    if events.count("backward") != 1 or events.count("step") != 1:
        raise AssertionError(f"{what}; expected exactly one backward and one step.")
    first = {name: events.index(name) for name in ("forward", "loss", "backward", "step")}
    last_zero = max(i for i, e in enumerate(events) if e == "zero_grad")
    if last_zero > first["backward"]:
        raise AssertionError(
            f"{what}: zero_grad after backward wipes out this batch's gradients. "
            f"Likely mistake: zero_grad belongs before loss.backward()."
        )
    if not first["forward"] < first["loss"] < first["backward"] < first["step"]:
        raise AssertionError(f"{what}; expected forward, loss, backward, then step.")


@pytest.mark.task(3)
def test_returns_the_loss_before_the_step_as_a_float(device):
    model, inputs, targets = make_problem(12, device)
    expected, _, _ = reference_step(model, inputs, targets, max_norm=0.5)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    got = kata.train_step(model, inputs, targets, F.mse_loss, optimizer, 0.5)
    what = "train_step(model, inputs, targets, mse_loss, SGD, 0.5)"
    check_float(got, what)
    if not math.isclose(got, expected, rel_tol=1e-5):
        with torch.no_grad():
            after = F.mse_loss(model(inputs), targets).item()
        why = (
            "returning a loss computed after optimizer.step()."
            if math.isclose(got, after, rel_tol=1e-5)
            else "return loss.item() of this batch's forward pass, before the update."
        )
        raise AssertionError(
            f"{what} returned {got:.6g}; this batch's loss before the update is "
            f"{expected:.6g}. Likely mistake: {why}"
        )


@pytest.mark.task(3)
def test_training_matches_a_reference_loop(device):
    model, inputs, targets = make_problem(13, device)
    reference = copy.deepcopy(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.05, momentum=0.9)
    for step in range(5):
        ref_opt.zero_grad()
        ref_loss = F.mse_loss(reference(inputs), targets)
        ref_loss.backward()
        torch.nn.utils.clip_grad_norm_(reference.parameters(), 2.0)
        ref_opt.step()
        got = kata.train_step(model, inputs, targets, F.mse_loss, opt, 2.0)
        what = f"train_step(..., max_norm=2.0), call {step + 1} of 5, SGD with momentum"
        check_float(got, what)
        if not math.isclose(got, ref_loss.item(), rel_tol=1e-4):
            raise AssertionError(f"{what} returned loss {got:.6g}; expected {ref_loss.item():.6g}.")
        for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
            assert_tensor_close(
                p,
                q,
                what=f"{what}: parameter {name} after the step",
                rtol=1e-4,
                atol=1e-5,
                mistake="gradients accumulated across calls (no zero_grad), not clipped "
                "before step, or clipped with another norm type or max_norm.",
            )


@pytest.mark.task(3)
def test_loss_fn_gets_the_outputs_then_the_targets(device):
    model, inputs, targets = make_problem(14, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    outputs: list = []
    model.register_forward_hook(lambda module, args, output: outputs.append(output))
    calls: list = []

    def loss_fn(a, b):
        calls.append((a, b))
        return F.mse_loss(a, b)

    kata.train_step(model, inputs, targets, loss_fn, optimizer, 1.0)
    what = "train_step(model, inputs, targets, loss_fn, optimizer, 1.0)"
    if len(calls) != 1 or len(outputs) != 1:
        raise AssertionError(
            f"{what} called loss_fn {len(calls)} times and the model {len(outputs)} times; "
            f"expected once each."
        )
    a, b = calls[0]
    if a is not outputs[0] or b is not targets:
        swapped = a is targets and b is outputs[0]
        raise AssertionError(
            f"{what}: loss_fn was called as loss_fn({'targets' if a is targets else '?'}, "
            f"{'model(inputs)' if b is outputs[0] else '?'}); expected "
            f"loss_fn(model(inputs), targets)."
            + (
                " Likely mistake: the arguments swapped: most losses (cross_entropy, "
                "nll_loss, bce) are not symmetric."
                if swapped
                else ""
            )
        )


# ----------------------------------------------------------------------------- task 4


def deep_mlp(activation, depth: int, width: int, gen: torch.Generator, scale: float, device):
    """depth float64 Linear layers with `activation` between them, default init * scale.

    float64, so that the vanishing norms (down to 1e-23) are not lost to float32 underflow.
    """
    layers: list[nn.Module] = []
    for i in range(depth):
        layers.append(nn.Linear(width, width))
        if i < depth - 1:
            layers.append(activation())
    model = nn.Sequential(*layers).double()
    with torch.no_grad():
        for p in model.parameters():  # default init's range, drawn from gen, then scaled
            bound = 1 / math.sqrt(width)
            p.copy_(torch.empty(p.shape, dtype=p.dtype).uniform_(-bound, bound, generator=gen))
            p.mul_(scale)
    return model.to(device)


def backprop(model: nn.Module, gen: torch.Generator, device, width: int) -> None:
    """One backward of an MSE loss on a random batch of 16."""
    dtype = next(model.parameters()).dtype
    inputs = torch.randn(16, width, generator=gen, dtype=dtype).to(device)
    outputs = model(inputs)
    targets = torch.randn(outputs.shape, generator=gen, dtype=dtype).to(device)
    F.mse_loss(outputs, targets).backward()


def own_norms(model: nn.Module) -> dict[str, float]:
    """The oracle: each parameter's own gradient norm, in float64."""
    return {
        name: torch.linalg.vector_norm(p.grad.double()).item()
        for name, p in model.named_parameters()
        if p.grad is not None
    }


def own_diagnosis(norms: dict[str, float], low: float, high: float) -> dict[str, list[str]]:
    return {
        "vanishing": [n for n, v in norms.items() if v < low],
        "exploding": [n for n, v in norms.items() if v > high],
    }


def check_norms(got, model: nn.Module, what: str) -> None:
    """got must be {name: float} equal to own_norms(model), names in named_parameters order."""
    __tracebackhide__ = True
    expected = own_norms(model)
    if not isinstance(got, dict):
        raise AssertionError(
            f"{what} returned {type(got).__name__}; expected a dict {{name: norm}}, one entry "
            f"per parameter with a gradient. Likely mistake: returning one global norm "
            f"instead of per-parameter norms."
        )
    frozen = [n for n, p in model.named_parameters() if p.grad is None]
    if set(got) != set(expected):
        extra = [n for n in got if n not in expected]
        missing = [n for n in expected if n not in got]
        hint = ""
        if set(extra) & set(frozen):
            hint = (
                f" Likely mistake: {sorted(set(extra) & set(frozen))} have .grad is None "
                f"(frozen, or unused by the loss): leave them out, do not report them as 0, "
                f"which diagnose would flag as vanishing."
            )
        raise AssertionError(
            f"{what} returned names {list(got)}; expected {list(expected)} (extra {extra}, "
            f"missing {missing}).{hint}"
        )
    for name, value in got.items():
        if type(value) is not float:
            raise AssertionError(
                f"{what}: the norm of {name!r} is a {type(value).__name__}; expected a Python "
                f"float. Likely mistake: a 0-d tensor kept without .item()."
            )
    if len(expected) > 1:
        total = math.sqrt(sum(v**2 for v in expected.values()))
        if all(math.isclose(v, total, rel_tol=1e-4) for v in got.values()):
            raise AssertionError(
                f"{what} gave every parameter the same norm {total:.4g}, the total norm of "
                f"all gradients together. Likely mistake: one global norm instead of "
                f"per-parameter norms: each entry is the norm of that parameter's .grad alone."
            )
    for name, value in got.items():
        want = expected[name]
        if not math.isclose(value, want, rel_tol=1e-5, abs_tol=1e-30):
            p = dict(model.named_parameters())[name]
            why = "the L2 norm of that parameter's .grad: torch.linalg.vector_norm(p.grad)."
            if math.isclose(value, want**2, rel_tol=1e-4):
                why = "the squared norm (a sum of squares without the square root)."
            elif math.isclose(value, torch.linalg.vector_norm(p.detach()).item(), rel_tol=1e-4):
                why = "the norm of the parameter itself, not of its .grad."
            raise AssertionError(
                f"{what}: the norm of {name!r} is {value:.6g}; expected {want:.6g}. "
                f"Likely mistake: {why}"
            )
    if list(got) != list(expected):
        raise AssertionError(
            f"{what} returned the names in the order {list(got)}; expected the "
            f"named_parameters order {list(expected)}. Likely mistake: sorting the names, "
            f"or collecting them some other way than model.named_parameters()."
        )


@pytest.mark.task(4)
def test_grad_norms_are_each_parameters_own_norm(device):
    gen = torch.Generator().manual_seed(15)
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3), nn.Linear(3, 3)).to(device)
    model[0].bias.requires_grad_(False)  # frozen: .grad stays None
    backprop(model[:3], gen, device, width=5)  # model[3] unused by the loss: .grad None
    check_norms(
        kata.grad_norms(model),
        model,
        "grad_norms(model) for Linear(5, 7), Tanh, "
        "Linear(7, 3) trained, a frozen bias, and an unused Linear(3, 3)",
    )


@pytest.mark.task(4)
def test_grad_norms_come_in_named_parameters_order(device):
    gen = torch.Generator().manual_seed(16)
    # registration order that is neither alphabetical nor by size
    model = nn.Sequential(
        OrderedDict(zeta=nn.Linear(4, 6), alpha=nn.Linear(6, 2), mid=nn.Linear(2, 4))
    ).to(device)
    backprop(model, gen, device, width=4)
    check_norms(
        kata.grad_norms(model), model, "grad_norms(model) for layers registered as zeta, alpha, mid"
    )


@pytest.mark.task(4)
def test_grad_norms_leave_the_gradients_alone(device):
    gen = torch.Generator().manual_seed(17)
    model = nn.Linear(3, 5).double().to(device)
    model.weight.grad = (torch.randn(3, 5, generator=gen, dtype=torch.float64) * 3).t().to(device)
    model.bias.grad = torch.randn(5, generator=gen, dtype=torch.float64).to(device)
    before = {n: (p.grad, p.grad.clone(), p.detach().clone()) for n, p in model.named_parameters()}
    model.eval()
    what = "grad_norms(model) for a float64 Linear(3, 5) with a transposed weight gradient"
    got = kata.grad_norms(model)
    for name, p in model.named_parameters():
        grad, values, weights = before[name]
        if p.grad is not grad or not torch.equal(p.grad, values):
            raise AssertionError(
                f"{what} changed the caller's .grad of {name!r}: it only reads gradients. "
                f"Likely mistake: an in-place op on the gradient (p.grad.pow_(2), abs_()), "
                f"or zero_grad() after reading."
            )
        if not torch.equal(p.detach(), weights):
            raise AssertionError(f"{what} changed the caller's parameter {name!r}.")
    if model.training:
        raise AssertionError(f"{what} put the model into train mode; leave it as it is.")
    check_norms(got, model, what)


@pytest.mark.task(4)
def test_deep_sigmoid_mlp_reports_its_first_layers_as_vanishing(device):
    gen = torch.Generator().manual_seed(18)
    model = deep_mlp(nn.Sigmoid, depth=20, width=8, gen=gen, scale=0.5, device=device)
    backprop(model, gen, device, width=8)
    what = "grad_norms(model) for a 20-layer sigmoid MLP with small weights"
    norms = kata.grad_norms(model)
    check_norms(norms, model, what)
    got = kata.diagnose(norms, 1e-6, 1e3)
    expected = own_diagnosis(own_norms(model), 1e-6, 1e3)
    what = f"diagnose(grad_norms(model), low=1e-6, high=1e3) for that MLP (norms {norms})"
    if got != expected:
        raise AssertionError(
            f"{what} returned {got}; expected {expected}: each sigmoid multiplies the "
            f"backward signal by at most 0.25, so the first layers' gradients vanish."
        )
    if (
        "0.weight" not in got["vanishing"] or "38.weight" in got["vanishing"]
    ):  # the test's own check
        raise AssertionError(f"{what}: the model no longer shows vanishing gradients: {norms}")


@pytest.mark.task(4)
def test_weights_scaled_by_ten_report_exploding_layers(device):
    gen = torch.Generator().manual_seed(19)
    model = deep_mlp(nn.ReLU, depth=8, width=8, gen=gen, scale=10.0, device=device)
    backprop(model, gen, device, width=8)
    what = "grad_norms(model) for an 8-layer ReLU MLP with its weights scaled x10"
    norms = kata.grad_norms(model)
    check_norms(norms, model, what)
    got = kata.diagnose(norms, 1e-6, 1e3)
    expected = own_diagnosis(own_norms(model), 1e-6, 1e3)
    what = f"diagnose(grad_norms(model), low=1e-6, high=1e3) for that MLP (norms {norms})"
    if got != expected:
        raise AssertionError(f"{what} returned {got}; expected {expected}.")
    if "0.weight" not in got["exploding"]:  # the test's own check on its model
        raise AssertionError(f"{what}: the model no longer shows exploding gradients: {norms}")


@pytest.mark.task(4)
def test_diagnose_returns_two_lists_in_the_order_of_norms():
    # neither alphabetical nor sorted by size: the lists must keep this order
    norms = {"z.weight": 1e-9, "b.weight": 5e3, "m.bias": 0.7, "a.bias": 1e-12, "c.weight": 2e4}
    original = dict(norms)
    what = f"diagnose({norms}, low=1e-6, high=1e3)"
    got = kata.diagnose(norms, 1e-6, 1e3)
    expected = {"vanishing": ["z.weight", "a.bias"], "exploding": ["b.weight", "c.weight"]}
    if not isinstance(got, dict):
        raise AssertionError(
            f"{what} returned {type(got).__name__} {got!r}; expected a dict "
            f"{{'vanishing': [...], 'exploding': [...]}}, so callers index it by name."
        )
    if norms != original or list(norms) != list(original):
        raise AssertionError(f"{what} changed the caller's norms dict into {norms}.")
    if list(got) != ["vanishing", "exploding"]:
        raise AssertionError(
            f"{what} returned the keys {list(got)}; expected ['vanishing', 'exploding'], "
            f"in that order."
        )
    if got != expected:
        same_names = all(sorted(got[k]) == sorted(expected[k]) for k in expected)
        raise AssertionError(
            f"{what} returned {got}; expected {expected}."
            + (
                " The right names, in another order: each list keeps the order of norms "
                "(the model's layer order), not sorted by name or by norm."
                if same_names
                else ""
            )
        )


@pytest.mark.task(4)
def test_diagnose_bounds_are_strict():
    norms = {"at_low": 1e-4, "below": 9.99e-5, "at_high": 10.0, "above": 10.01, "mid": 1.0}
    what = f"diagnose({norms}, low=1e-4, high=10.0)"
    got = kata.diagnose(norms, 1e-4, 10.0)
    expected = {"vanishing": ["below"], "exploding": ["above"]}
    if got != expected:
        at = (
            [n for n in ("at_low", "at_high") if n in [m for names in got.values() for m in names]]
            if isinstance(got, dict)
            else []
        )
        raise AssertionError(
            f"{what} returned {got}; expected {expected}."
            + (
                f" {at} are exactly at a bound, which is neither vanishing nor exploding. "
                f"Likely mistake: <= / >= instead of < / >."
                if at
                else ""
            )
        )


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        pytest.param(0.0, 1.0, {"vanishing": [], "exploding": ["b"]}, id="low_zero"),
        pytest.param(0.5, 0.5, {"vanishing": ["a", "c"], "exploding": ["b"]}, id="low_equals_high"),
        pytest.param(0.0, 0.0, {"vanishing": [], "exploding": ["a", "b", "d"]}, id="both_zero"),
    ],
)
def test_diagnose_accepts_zero_and_equal_bounds(low, high, expected):
    norms = {"a": 0.25, "b": 2.0, "c": 0.0, "d": 0.5}
    what = f"diagnose({norms}, low={low}, high={high})"
    try:
        got = kata.diagnose(norms, low, high)
    except ValueError as err:
        raise AssertionError(
            f"{what} raised ValueError: {err}. These bounds are legal: only a negative bound "
            f"or low > high is an error (low == 0 flags nothing as vanishing, low == high "
            f"flags everything but that one value)."
        ) from err
    if got != expected:
        raise AssertionError(f"{what} returned {got}; expected {expected} (strict < and >).")


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("low", "high"),
    [
        pytest.param(2.0, 1.0, id="low_above_high"),
        pytest.param(-1.0, 1.0, id="negative_low"),
        pytest.param(-2.0, -1.0, id="both_negative"),
        pytest.param(1.0, -1.0, id="negative_high"),
    ],
)
def test_diagnose_rejects_bad_bounds(low, high):
    norms = {"0.weight": 1e-9, "0.bias": 0.5}
    assert_raises(
        ValueError,
        kata.diagnose,
        norms,
        low,
        high,
        what=f"diagnose(norms, low={low}, high={high})",
        mistake="check the bounds first: raise ValueError if low or high is negative, or "
        "low > high (a negative bound or an empty range is a caller's bug, not a diagnosis).",
    )
