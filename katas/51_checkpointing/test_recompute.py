"""Tests for kata 51: activation checkpointing, checked against plain runs and torch's own
checkpoint / checkpoint_sequential.

Every block counts how often its forward STARTS (a forward pre-hook would do the same):
non-reentrant checkpointing stops the recomputation as soon as it has rebuilt every tensor
backward needs (early_stop), so a segment's last layer may begin its second forward and
never finish it. Saved tensors are counted with torch.autograd.graph.saved_tensors_hooks.
Everything is float64 so that the recomputed forward is bit-identical to the first.
"""

import contextlib
import copy
import warnings

import pytest
import torch
import torch.utils.checkpoint
from torch import nn

from torchkatas.harness import assert_tensor_close, forbid, load_kata, load_path

kata = load_kata(__file__)

EXACT = {"rtol": 1e-12, "atol": 1e-14}  # the same float64 ops in the same order
WIDTH = 6


# ----------------------------------------------------------------------------- helpers


class Block(nn.Module):
    """Linear + tanh (+ dropout), counting how often its forward starts."""

    def __init__(self, gen: torch.Generator, dropout: float = 0.0) -> None:
        super().__init__()
        self.linear = nn.Linear(WIDTH, WIDTH).double()
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(WIDTH, WIDTH, generator=gen) * 0.6)
            self.linear.bias.copy_(torch.randn(WIDTH, generator=gen) * 0.1)
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.dropout(torch.tanh(self.linear(x)))


def make_blocks(n: int, seed: int, device, dropout: float = 0.0) -> list[Block]:
    gen = torch.Generator().manual_seed(seed)
    return [Block(gen, dropout).to(device) for _ in range(n)]


def clone_blocks(blocks: list[Block]) -> list[Block]:
    """Independent copies with the same weights and zeroed counters."""
    copies = copy.deepcopy(blocks)
    reset(copies)
    return copies


def make_input(seed: int, device, batch: int = 5, requires_grad: bool = False) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1000 + seed)
    x = torch.randn(batch, WIDTH, generator=gen, dtype=torch.float64).to(device)
    return x.requires_grad_(requires_grad)


def run_plain(blocks, x):
    for b in blocks:
        x = b(x)
    return x


def params_of(blocks) -> list[torch.Tensor]:
    return [p for b in blocks for p in b.parameters()]


def grads_of(blocks) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.clone() for p in params_of(blocks)]


def counts(blocks) -> list[int]:
    return [b.calls for b in blocks]


def reset(blocks) -> None:
    for b in blocks:
        b.calls = 0
        for p in b.parameters():
            p.grad = None


@contextlib.contextmanager
def saved_tensors() -> list[int]:
    """Record the bytes of every tensor autograd saves for backward inside the block."""
    sizes: list[int] = []

    def pack(t):
        sizes.append(t.numel() * t.element_size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        yield sizes


@contextlib.contextmanager
def spy_checkpoint():
    """Record every call of torch.utils.checkpoint.checkpoint (under any name) in the block."""
    calls: list[dict] = []
    original = torch.utils.checkpoint.checkpoint

    def spy(function, *args, **kwargs):
        calls.append(dict(kwargs))
        return original(function, *args, **kwargs)

    targets = [(torch.utils.checkpoint, "checkpoint")]
    modules = [kata.module()] + ([load_path(kata.overlay)] if kata.overlay else [])
    for module in modules:
        for name, value in list(vars(module).items()):
            if value is original:
                targets.append((module, name))
    for owner, name in targets:
        setattr(owner, name, spy)
    try:
        yield calls
    finally:
        for owner, name in targets:
            setattr(owner, name, original)


class learner_call:
    """Run the learner's code: warnings become teaching failures; the spy records calls."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> list[dict]:
        self._stack = contextlib.ExitStack()
        self.caught = self._stack.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always")
        self._stack.enter_context(
            forbid(
                "torch.utils.checkpoint.checkpoint_sequential",
                kata=kata,
                why="Build it from checkpoint() calls, one per segment.",
            )
        )
        return self._stack.enter_context(spy_checkpoint())

    def __exit__(self, exc_type, exc, tb) -> bool:
        __tracebackhide__ = True
        self._stack.__exit__(exc_type, exc, tb)
        if not self.caught or isinstance(exc, NotImplementedError):
            return False
        # a warning is the earliest sign of what went wrong: report it first (its first
        # sentence: torch 2.14's use_reentrant warning goes on to predict an error that
        # 2.14 does not raise)
        text = "; ".join(
            f"{w.category.__name__}: {str(w.message).split('. ')[0]}" for w in self.caught
        )
        if "use_reentrant parameter should be passed explicitly" in text:
            why = "forgetting to pass use_reentrant: pass use_reentrant=False explicitly."
        elif "None of the inputs have requires_grad" in text:
            why = (
                "use_reentrant=True: the reentrant variant gives no gradients to the "
                "parameters when no input requires grad; pass use_reentrant=False."
            )
        else:
            why = "see the warning's text."
        then = f" Then: {str(exc).splitlines()[0]}" if exc is not None else ""
        raise AssertionError(
            f"{self.what} raised a warning: {text}. Likely mistake: {why}{then}"
        ) from exc


NO_PARAM_GRAD = (
    "use_reentrant=True with no input requiring grad (the parameters then get no "
    "gradient), or the blocks run under torch.no_grad() or on copies of the model."
)


def check_grads(blocks, expected, what: str, mistake: str) -> None:
    __tracebackhide__ = True
    for i, (p, e) in enumerate(zip(params_of(blocks), expected, strict=True)):
        if p.grad is None:
            raise AssertionError(
                f"{what}: parameter {i} got no gradient (plain backward gives one). Likely "
                f"mistake: {mistake}"
            )
        assert_tensor_close(p.grad, e, what=f"{what}: .grad of parameter {i}", **EXACT)


def backward_through(out, what: str, params) -> None:
    __tracebackhide__ = True
    if not isinstance(out, torch.Tensor):
        raise AssertionError(f"{what} returned {type(out).__name__}, expected a tensor.")
    if not out.requires_grad:
        raise AssertionError(
            f"{what} returned a tensor that does not require grad, although the parameters "
            f"do: no graph was recorded, so backward cannot reach them. Likely mistake: "
            f"running the checkpointed part under torch.no_grad() (checkpoint decides what "
            f"to save; no_grad saves nothing and records nothing), a detach, or the reentrant "
            f"variant with no input requiring grad."
        )
    (out * out).sum().backward()


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("input_grad", [False, True], ids=["data-input", "input-requires-grad"])
def test_checkpointed_equals_the_plain_value_and_gradients(input_grad, device):
    for seed in range(3):
        blocks = make_blocks(3, seed, device)
        plain = clone_blocks(blocks)
        x = make_input(seed, device, requires_grad=input_grad)
        x_plain = x.detach().clone().requires_grad_(input_grad)
        expected_out = run_plain(plain, x_plain)
        (expected_out * expected_out).sum().backward()
        what = (
            f"checkpointed(blocks, x) for 3 Linear+tanh blocks, x of shape {tuple(x.shape)}"
            f"{' requiring grad' if input_grad else ''}"
        )
        with learner_call(what):
            out = kata.checkpointed(nn.Sequential(*blocks), x)
            assert_tensor_close(out, expected_out, what=f"{what}: the value", **EXACT)
            backward_through(out, what, params_of(blocks))
        check_grads(blocks, grads_of(plain), what, NO_PARAM_GRAD)
        if input_grad:
            if x.grad is None:
                raise AssertionError(
                    f"{what}: x requires grad but got no gradient. Likely mistake: the input "
                    f"was detached before checkpoint (x.detach()), which cuts it off the graph."
                )
            assert_tensor_close(x.grad, x_plain.grad, what=f"{what}: x.grad", **EXACT)


@pytest.mark.task(1)
def test_forward_runs_again_during_backward(device):
    blocks = make_blocks(3, 10, device)
    x = make_input(10, device)
    what = "checkpointed(nn.Sequential(3 blocks), x)"
    with learner_call(what):
        out = kata.checkpointed(nn.Sequential(*blocks), x)
        after_forward = counts(blocks)
        backward_through(out, what, params_of(blocks))
    if after_forward != [1, 1, 1] or counts(blocks) != [2, 2, 2]:
        why = (
            "no checkpointing: backward used the activations saved by the forward instead "
            "of recomputing them."
            if after_forward == [1, 1, 1] and counts(blocks) == [1, 1, 1]
            else "the forward run more than once before backward (a plain call of fn besides "
            "the checkpointed one)."
            if any(c > 1 for c in after_forward)
            else "no checkpointing, or checkpoint called with a function that is not fn."
        )
        raise AssertionError(
            f"{what}: the blocks' forwards started {after_forward} times during the forward "
            f"pass and {counts(blocks)} times in all after backward; expected [1, 1, 1], then "
            f"[2, 2, 2] (checkpointing recomputes the forward in backward). Likely mistake: "
            f"{why}"
        )


@pytest.mark.task(1)
def test_only_the_inputs_are_saved_for_backward(device):
    blocks = make_blocks(4, 11, device)
    x = make_input(11, device)
    with saved_tensors() as plain_sizes:
        run_plain(clone_blocks(blocks), x)
    with saved_tensors() as torch_sizes:
        torch.utils.checkpoint.checkpoint(
            nn.Sequential(*clone_blocks(blocks)), x, use_reentrant=False
        )
    what = "checkpointed(nn.Sequential(4 blocks), x)"
    with learner_call(what), saved_tensors() as sizes:
        kata.checkpointed(nn.Sequential(*blocks), x)
    if sizes != torch_sizes:
        raise AssertionError(
            f"{what} saved {len(sizes)} tensors ({sum(sizes)} bytes) for backward; "
            f"torch.utils.checkpoint saves {len(torch_sizes)} ({sum(torch_sizes)} bytes), a "
            f"plain forward {len(plain_sizes)} ({sum(plain_sizes)} bytes). Likely mistake: "
            + (
                "the forward ran without checkpointing (it saved what a plain forward saves)."
                if sizes == plain_sizes
                else "checkpointing around less than fn, or a plain forward besides the "
                "checkpointed one."
            )
        )


@pytest.mark.task(1)
def test_dropout_draws_the_same_mask_when_recomputed(device):
    for seed in range(3):
        blocks = make_blocks(3, 20 + seed, device, dropout=0.5)
        plain = clone_blocks(blocks)
        x = make_input(20 + seed, device, requires_grad=True)
        x_plain = x.detach().clone().requires_grad_(True)
        torch.manual_seed(seed)
        out_plain = run_plain(plain, x_plain)
        (out_plain * out_plain).sum().backward()
        rng_after_plain = torch.get_rng_state()
        what = f"checkpointed(3 blocks with Dropout(0.5), x) after torch.manual_seed({seed})"
        torch.manual_seed(seed)
        with learner_call(what):
            out = kata.checkpointed(nn.Sequential(*blocks), x)
            assert_tensor_close(out, out_plain, what=f"{what}: the value", **EXACT)
            backward_through(out, what, params_of(blocks))
        mistake = (
            "the recomputed forward drew a new dropout mask: keep preserve_rng_state=True "
            "(the default), which replays the random state of the first forward."
        )
        for i, (p, e) in enumerate(zip(params_of(blocks), grads_of(plain), strict=True)):
            assert_tensor_close(
                p.grad, e, what=f"{what}: .grad of parameter {i}", **EXACT, mistake=mistake
            )
        if not torch.equal(torch.get_rng_state(), rng_after_plain):
            raise AssertionError(
                f"{what}: after backward the CPU random state differs from a plain run's: the "
                f"recomputation consumed random numbers. Likely mistake: {mistake}"
            )


@pytest.mark.task(1)
def test_works_with_torch_autograd_grad(device):
    blocks = make_blocks(2, 30, device)
    plain = clone_blocks(blocks)
    x = make_input(30, device, requires_grad=True)
    expected = torch.autograd.grad(run_plain(plain, x).pow(2).sum(), [x, *params_of(plain)])
    what = "torch.autograd.grad(checkpointed(blocks, x).pow(2).sum(), [x, *params])"
    with learner_call(what):
        out = kata.checkpointed(nn.Sequential(*blocks), x)
        try:
            got = torch.autograd.grad(out.pow(2).sum(), [x, *params_of(blocks)])
        except RuntimeError as err:
            if isinstance(err, NotImplementedError) or "compatible with .grad" not in str(err):
                raise
            raise AssertionError(
                f"{what} raised RuntimeError: {err}. Likely mistake: use_reentrant=True; the "
                f"reentrant variant does not support torch.autograd.grad. Pass "
                f"use_reentrant=False."
            ) from err
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert_tensor_close(g, e, what=f"{what}: gradient {i}", **EXACT)


@pytest.mark.task(1)
def test_use_reentrant_false_is_passed_explicitly(device):
    blocks = make_blocks(2, 40, device)
    x = make_input(40, device)
    what = "checkpointed(blocks, x)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the message below says more than the warning
        with spy_checkpoint() as calls:
            kata.checkpointed(nn.Sequential(*blocks), x)
    if len(calls) != 1:
        raise AssertionError(
            f"{what} called torch.utils.checkpoint.checkpoint {len(calls)} times; expected "
            f"once. Likely mistake: "
            + (
                "checkpointing by hand (or not at all) instead of calling checkpoint."
                if not calls
                else "a checkpoint call per block instead of one around fn."
            )
        )
    if "use_reentrant" not in calls[0]:
        raise AssertionError(
            f"{what} called checkpoint(...) with {calls[0] or 'no keyword arguments'}. Likely "
            f"mistake: forgetting to pass use_reentrant; torch warns without it (and the old "
            f"default, True, is the variant with the pitfalls). Pass use_reentrant=False."
        )
    if calls[0]["use_reentrant"] is not False:
        raise AssertionError(
            f"{what} called checkpoint(..., use_reentrant={calls[0]['use_reentrant']!r}). "
            f"Likely mistake: use_reentrant=True; use the non-reentrant variant "
            f"(use_reentrant=False), which torch recommends."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("input_grad", [False, True], ids=["data-input", "input-requires-grad"])
def test_the_callers_input_is_untouched(input_grad, device):
    blocks = make_blocks(2, 50, device)
    x = make_input(50, device, requires_grad=input_grad)
    saved = x.detach().clone()
    what = f"checkpointed(blocks, x) with x.requires_grad={input_grad}"
    with learner_call(what):
        out = kata.checkpointed(nn.Sequential(*blocks), x)
    if x.requires_grad != input_grad or x.grad is not None:
        raise AssertionError(
            f"{what}: afterwards x.requires_grad is {x.requires_grad} and x.grad is "
            f"{'set' if x.grad is not None else 'None'}; the caller's input must keep its "
            f"requires_grad (and get no .grad). Likely mistake: "
            + (
                "x.requires_grad_() to make the reentrant variant work; use "
                "use_reentrant=False instead."
                if x.requires_grad != input_grad
                else "a backward() inside checkpointed, which filled x.grad."
            )
        )
    assert_tensor_close(
        x, saved, what=f"{what}: x afterwards", rtol=0, atol=0,
        mistake="an in-place change to the caller's x.",
    )  # fmt: skip
    if not out.requires_grad:
        raise AssertionError(
            f"{what} returned a tensor without a graph; expected one (the blocks' parameters "
            f"require grad). Likely mistake: the checkpointed part run under torch.no_grad(), "
            f"or the result detached."
        )


# ----------------------------------------------------------------------------- task 2


def expected_bounds(n: int, segments: int) -> list[tuple[int, int]]:
    """checkpoint_sequential's split, written as a plain loop."""
    size = n // segments
    bounds, start = [], 0
    for _ in range(segments - 1):
        bounds.append((start, start + size))
        start += size
    bounds.append((start, n))
    return bounds


@pytest.mark.task(2)
def test_segment_bounds_split_as_checkpoint_sequential_does():
    for n in range(1, 11):
        for segments in range(1, n + 1):
            got = kata.segment_bounds(n, segments)
            expected = expected_bounds(n, segments)
            if not isinstance(got, list) or [tuple(b) for b in got] != expected:
                raise AssertionError(
                    f"segment_bounds({n}, {segments}) returned {got!r}; expected {expected}. "
                    f"Likely mistake: every segment but the last holds n // segments layers "
                    f"(floor, not ceil) and the last one takes the rest."
                )


@pytest.mark.task(2)
@pytest.mark.parametrize("n, segments", [(4, 0), (4, -1), (4, 5), (1, 2), (0, 1)])
def test_segment_bounds_rejects_empty_segments(n, segments):
    try:
        got = kata.segment_bounds(n, segments)
    except ValueError:
        return
    raise AssertionError(
        f"segment_bounds({n}, {segments}) returned {got!r}; expected a ValueError (a segment "
        f"would be empty). Likely mistake: no check that 1 <= segments <= n."
    )


CASES = [(4, 1), (4, 2), (5, 2), (6, 3), (7, 3), (6, 6), (8, 3)]


@pytest.mark.task(2)
@pytest.mark.parametrize("n, segments", CASES, ids=[f"{n}layers-{s}seg" for n, s in CASES])
def test_checkpoint_in_segments_matches_checkpoint_sequential(n, segments, device):
    blocks = make_blocks(n, 60 + n, device)
    reference = clone_blocks(blocks)
    x = make_input(n, device, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    with spy_checkpoint() as ref_calls, saved_tensors() as ref_saved:
        ref_out = torch.utils.checkpoint.checkpoint_sequential(
            nn.Sequential(*reference), segments, x_ref, use_reentrant=False
        )
    ref_forward = counts(reference)
    (ref_out * ref_out).sum().backward()
    what = f"checkpoint_in_segments({n} blocks, x, segments={segments})"
    with learner_call(what) as calls:
        with saved_tensors() as saved:
            out = kata.checkpoint_in_segments(nn.Sequential(*blocks), x, segments)
        forward = counts(blocks)
        assert_tensor_close(out, ref_out, what=f"{what}: the value", **EXACT)
        backward_through(out, what, params_of(blocks))
    if forward != ref_forward or counts(blocks) != counts(reference):
        last = expected_bounds(n, segments)[-1]
        raise AssertionError(
            f"{what}: the blocks' forwards started {counts(blocks)} times in all; "
            f"checkpoint_sequential gives {counts(reference)} (2 = recomputed in backward). "
            + (
                f"Likely mistake: checkpointing the last segment too (blocks "
                f"{last[0]}..{last[1] - 1} run once: backward needs their activations first)."
                if all(c == 2 for c in counts(blocks))
                else f"Likely mistake: checkpointing the last segment too (blocks "
                f"{last[0]}..{last[1] - 1} run once: backward needs their activations "
                f"first), or segments split differently from segment_bounds."
            )
        )
    if len(calls) != len(ref_calls):
        raise AssertionError(
            f"{what} called checkpoint {len(calls)} times; checkpoint_sequential calls it "
            f"{len(ref_calls)} times (once per segment but the last). Likely mistake: "
            + (
                "checkpointing every layer separately instead of each segment as one call."
                if len(calls) > len(ref_calls)
                else "several segments in one checkpoint call, or a segment run without one."
            )
        )
    if len(saved) != len(ref_saved) or sum(saved) != sum(ref_saved):
        raise AssertionError(
            f"{what} saved {len(saved)} tensors ({sum(saved)} bytes) for backward; "
            f"checkpoint_sequential saves {len(ref_saved)} ({sum(ref_saved)} bytes). Likely "
            f"mistake: a plain forward of a segment besides its checkpointed one, or segments "
            f"split differently from segment_bounds."
        )
    check_grads(blocks, grads_of(reference), what, NO_PARAM_GRAD)
    assert_tensor_close(x.grad, x_ref.grad, what=f"{what}: x.grad", **EXACT)


@pytest.mark.task(2)
def test_fewer_segments_save_less_than_no_checkpointing(device):
    blocks = make_blocks(8, 70, device)
    x = make_input(70, device)
    with saved_tensors() as plain:
        run_plain(blocks, x)
    what = "checkpoint_in_segments(8 blocks, x, segments=4)"
    with learner_call(what), saved_tensors() as saved:
        kata.checkpoint_in_segments(blocks, x, 4)
    # 3 checkpointed segments save their input (3 tensors); the last 2 blocks save 3 each
    if sum(saved) >= sum(plain) or len(saved) != 3 + 2 * 3:
        raise AssertionError(
            f"{what} saved {len(saved)} tensors ({sum(saved)} bytes); a plain forward saves "
            f"{len(plain)} ({sum(plain)} bytes), checkpointing by 4 segments saves 9 (each "
            f"checkpointed segment keeps only its input). Likely mistake: "
            + (
                "no checkpointing (a plain forward's count)."
                if len(saved) == len(plain)
                else "the last segment checkpointed too, segments split differently from "
                "segment_bounds, or a segment run twice."
            )
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("container", ["list", "ModuleList"])
def test_checkpoint_in_segments_accepts_any_sequence_of_layers(container, device):
    blocks = make_blocks(5, 80, device)
    reference = clone_blocks(blocks)
    layers = blocks if container == "list" else nn.ModuleList(blocks)
    x = make_input(80, device)
    expected = run_plain(reference, x)
    what = f"checkpoint_in_segments(a {container} of 5 blocks, x, segments=2)"
    with learner_call(what):
        out = kata.checkpoint_in_segments(layers, x, 2)
    assert_tensor_close(out, expected, what=what, **EXACT)


@pytest.mark.task(2)
def test_checkpoint_in_segments_rejects_bad_segments(device):
    blocks = make_blocks(3, 90, device)
    x = make_input(90, device)
    for segments in (0, 4):
        what = f"checkpoint_in_segments(3 blocks, x, segments={segments})"
        try:
            with learner_call(what):
                kata.checkpoint_in_segments(blocks, x, segments)
        except ValueError:
            continue
        raise AssertionError(
            f"{what} did not raise ValueError; expected one (1 <= segments <= 3 layers). "
            f"Likely mistake: no check of segments (segment_bounds raises it)."
        )
    if any(b.calls for b in blocks):
        raise AssertionError(
            "checkpoint_in_segments ran blocks before rejecting `segments`; expected the check "
            "first. Likely mistake: the bounds computed (and checked) after a first segment ran."
        )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
def test_stack_registers_its_blocks(device):
    blocks = make_blocks(4, 100, device)
    what = "CheckpointedStack(4 blocks, segments=2)"
    stack = kata.CheckpointedStack(blocks, 2)
    if not isinstance(getattr(stack, "blocks", None), nn.ModuleList):
        raise AssertionError(
            f"{what}.blocks is {type(getattr(stack, 'blocks', None)).__name__}, expected an "
            f"nn.ModuleList. Likely mistake: a plain Python list, whose modules are not "
            f"registered (no parameters, no .to(), no state_dict)."
        )
    if any(a is not b for a, b in zip(stack.blocks, blocks, strict=True)):
        raise AssertionError(
            f"{what}.blocks holds copies; expected the same module objects. Likely mistake: "
            f"copy.deepcopy(blocks), or new modules built from the old ones."
        )
    expected = [id(p) for p in params_of(blocks)]
    if [id(p) for p in stack.parameters()] != expected:
        raise AssertionError(
            f"{what}.parameters() does not yield the blocks' parameters in order: they are "
            f"not registered."
        )
    keys = list(stack.state_dict())
    if keys[:2] != ["blocks.0.linear.weight", "blocks.0.linear.bias"] or len(keys) != 8:
        raise AssertionError(
            f"{what}.state_dict() keys are {keys}; expected blocks.0.linear.* (8 keys). Likely "
            f"mistake: the blocks registered a second time under another attribute name."
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("segments", [0, 5])
def test_stack_rejects_bad_segments(segments, device):
    try:
        kata.CheckpointedStack(make_blocks(4, 101, device), segments)
    except ValueError:
        return
    raise AssertionError(
        f"CheckpointedStack(4 blocks, segments={segments}) raised nothing; expected a "
        f"ValueError at construction (a segment would be empty). Likely mistake: segments "
        f"checked only in forward, or not at all."
    )


@pytest.mark.task(3)
def test_stack_checkpoints_while_training(device):
    blocks = make_blocks(6, 110, device)
    reference = clone_blocks(blocks)
    x = make_input(110, device)
    with spy_checkpoint() as ref_calls:
        ref_out = torch.utils.checkpoint.checkpoint_sequential(
            nn.Sequential(*reference), 3, x, use_reentrant=False
        )
    (ref_out * ref_out).sum().backward()
    stack = kata.CheckpointedStack(blocks, 3).train()
    what = "CheckpointedStack(6 blocks, segments=3) in training mode: stack(x), backward"
    with learner_call(what) as calls:
        out = stack(x)
        assert_tensor_close(out, ref_out, what=f"{what}: the value", **EXACT)
        backward_through(out, what, params_of(blocks))
    if len(calls) != len(ref_calls) or counts(blocks) != counts(reference):
        raise AssertionError(
            f"{what}: {len(calls)} checkpoint calls and block forwards {counts(blocks)}; "
            f"expected {len(ref_calls)} calls and {counts(reference)}, as "
            f"checkpoint_in_segments(blocks, x, 3) gives. Likely mistake: "
            + (
                "not checkpointing in training mode."
                if not calls
                else "segments other than the stack's own (segments=3), or a segment run "
                "without checkpoint."
            )
        )
    check_grads(blocks, grads_of(reference), what, NO_PARAM_GRAD)


MODES = ["eval", "no_grad", "inference_mode", "eval+no_grad"]


@pytest.mark.task(3)
@pytest.mark.parametrize("mode", MODES)
def test_stack_runs_plainly_without_checkpoint_when_nothing_is_saved(mode, device):
    blocks = make_blocks(4, 120, device)
    x = make_input(120, device)
    expected = run_plain(clone_blocks(blocks), x)
    stack = kata.CheckpointedStack(blocks, 2)
    stack.train(not mode.startswith("eval"))
    context = {
        "eval": contextlib.nullcontext(),
        "no_grad": torch.no_grad(),
        "inference_mode": torch.inference_mode(),
        "eval+no_grad": torch.no_grad(),
    }[mode]
    what = f"CheckpointedStack(4 blocks, 2)({mode}): stack(x)"
    with learner_call(what) as calls, context:
        out = stack(x)
    if calls:
        raise AssertionError(
            f"{what} called checkpoint {len(calls)} times; expected none. Likely mistake: "
            f"checkpointing in eval mode or under no_grad, where nothing is kept for backward "
            f"anyway: checkpoint only when self.training and torch.is_grad_enabled()."
        )
    if counts(blocks) != [1, 1, 1, 1]:
        raise AssertionError(
            f"{what}: block forwards started {counts(blocks)} times; expected once each. "
            f"Likely mistake: the blocks run twice (once plainly, once more for the result)."
        )
    assert_tensor_close(out.detach().clone(), expected, what=f"{what}: the value", **EXACT)
    if stack.training != (not mode.startswith("eval")):
        raise AssertionError(
            f"{what} changed the stack's training mode (now training={stack.training}); "
            f"expected it kept. Likely mistake: self.train() or self.eval() inside forward."
        )


@pytest.mark.task(3)
def test_training_with_dropout_equals_plain_training(device):
    blocks = make_blocks(4, 130, device, dropout=0.3)
    reference = clone_blocks(blocks)
    stack = kata.CheckpointedStack(blocks, 2).train()
    plain = nn.Sequential(*reference).train()
    opt = torch.optim.SGD(stack.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(plain.parameters(), lr=0.1, momentum=0.9)
    for step in range(3):
        x = make_input(step, device)
        torch.manual_seed(step)
        ref_opt.zero_grad()
        ref_loss = plain(x).pow(2).mean()
        ref_loss.backward()
        ref_opt.step()
        what = f"3 SGD steps on CheckpointedStack(4 blocks with dropout, 2), step {step + 1}"
        torch.manual_seed(step)
        with learner_call(what):
            opt.zero_grad()
            loss = stack(x).pow(2).mean()
            loss.backward()
        opt.step()
        assert_tensor_close(loss, ref_loss, what=f"{what}: the loss", **EXACT)
        for (name, p), q in zip(stack.named_parameters(), plain.parameters(), strict=True):
            assert_tensor_close(
                p,
                q,
                what=f"{what}: {name}",
                **EXACT,
                mistake="checkpointed training must equal plain training: the recomputed "
                "dropout masks must be the first forward's (preserve_rng_state=True).",
            )
