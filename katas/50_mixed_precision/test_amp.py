"""Tests for kata 50: autocast and GradScaler, checked against a plain float32 step.

The reference step in this file does by hand what a GradScaler does: it runs the same
autocast forward pass, calls backward on loss * scale, divides every gradient by the scale
(a power of two, so the division is exact), clips with torch.nn.utils.clip_grad_norm_ and
steps a float32 SGD. A correct train_step therefore matches it to rounding: TIGHT below.
"""

import copy
import itertools
import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

LOW = {"cpu": torch.bfloat16, "cuda": torch.float16}
TIGHT = {"rtol": 1e-6, "atol": 1e-7}  # the reference does the same float32 arithmetic
INIT_SCALE = 2.0**10  # small enough that float16 gradients of these models never overflow
LR = 0.1


# ----------------------------------------------------------------------------- helpers


class quiet:
    """Fail with a teaching message when the learner's code raises a warning."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        self._catcher = warnings.catch_warnings(record=True)
        self.caught = self._catcher.__enter__()
        warnings.simplefilter("always")

    def __exit__(self, exc_type, exc, tb) -> bool:
        __tracebackhide__ = True
        self._catcher.__exit__(exc_type, exc, tb)
        if exc_type is not None or not self.caught:
            return False
        text = "; ".join(f"{w.category.__name__}: {w.message}" for w in self.caught)
        deprecated = any(
            issubclass(w.category, FutureWarning) and "amp" in str(w.message) for w in self.caught
        )
        if deprecated:
            why = (
                "torch.cuda.amp / torch.cpu.amp are deprecated: use "
                "torch.amp.autocast(device_type, dtype=...) and torch.amp.GradScaler(device_type)."
            )
        elif "not available" in text:
            why = (
                "a scaler or autocast for CUDA on a machine without CUDA: torch.amp.GradScaler() "
                "defaults to device 'cuda'; pass the device's type, GradScaler(device.type)."
            )
        else:
            why = "see the warning's text."
        raise AssertionError(f"{self.what} raised a warning: {text}. Likely mistake: {why}")


def make_problem(seed: int, device, *, classes: bool = False):
    """A small float32 MLP, a batch and targets (float for mse_loss, long for cross_entropy)."""
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.4)
    model.to(device)
    inputs = torch.randn(6, 8, generator=gen).to(device)
    if classes:
        targets = torch.randint(4, (6,), generator=gen).to(device)
    else:
        targets = (torch.randn(6, 4, generator=gen) * 2).to(device)
    return model, inputs, targets


def make_scaler_for_test(device, **kwargs) -> torch.amp.GradScaler:
    kwargs.setdefault("init_scale", INIT_SCALE)
    return torch.amp.GradScaler(device.type, **kwargs)


def reference_step(model, inputs, targets, loss_fn, max_norm, scale):
    """On a copy: the step a correct train_step makes. Returns loss, norm, grads, new params."""
    ref = copy.deepcopy(model)
    with torch.autocast(inputs.device.type, dtype=LOW[inputs.device.type]):
        loss = loss_fn(ref(inputs), targets)
    (loss * scale).backward()  # what scaler.scale(loss).backward() computes
    with torch.no_grad():
        for p in ref.parameters():
            p.grad.div_(scale)  # a power of two: exact
    norm = torch.nn.utils.clip_grad_norm_(ref.parameters(), max_norm).item()
    if not math.isfinite(norm):
        raise RuntimeError("test problem: the reference gradients are not finite")
    grads = [p.grad.clone() for p in ref.parameters()]
    torch.optim.SGD(ref.parameters(), lr=LR).step()
    return loss.item(), norm, grads, [p.detach().clone() for p in ref.parameters()]


def unclipped_norm(model, inputs, targets, loss_fn) -> float:
    return reference_step(model, inputs, targets, loss_fn, math.inf, INIT_SCALE)[1]


def total_norm(grads) -> float:
    return torch.linalg.vector_norm(torch.stack([g.double().norm() for g in grads])).item()


class Recorder:
    """Spies on one train_step: the calls made, in order, and what optimizer.step() saw."""

    def __init__(self, model, optimizer, scaler, loss_fn=F.mse_loss) -> None:
        self.events: list[str] = []
        self.grads_at_step: list[list] = []
        self.norm_at_unscale: list[float] = []
        self.loss_grad: list[float] = []  # the gradient flowing into the loss in backward
        self.autocast_in_loss: list[bool] = []
        self.autocast_in_backward: list[bool] = []
        self._in_scaler_step = False
        params = list(model.parameters())
        device_type = params[0].device.type

        def loss(outputs, targets):
            self.events.append("loss")
            self.autocast_in_loss.append(torch.is_autocast_enabled(device_type))
            value = loss_fn(outputs, targets)

            def hook(grad):
                self.events.append("backward")
                self.loss_grad.append(float(grad))
                self.autocast_in_backward.append(torch.is_autocast_enabled(device_type))

            value.register_hook(hook)
            return value

        self.loss_fn = loss

        def wrap(obj, name, label):
            original = getattr(obj, name)

            def wrapper(*args, **kwargs):
                if name == "step":
                    self.events.append(label)
                    self._in_scaler_step = True
                    try:
                        return original(*args, **kwargs)
                    finally:
                        self._in_scaler_step = False
                        self.events.append("scaler.step done")
                if name == "unscale_" and not self._in_scaler_step:
                    self.events.append(label)
                    grads = [p.grad for p in params if p.grad is not None]
                    self.norm_at_unscale.append(total_norm(grads) if grads else 0.0)
                elif name != "unscale_":
                    self.events.append(label)
                return original(*args, **kwargs)

            setattr(obj, name, wrapper)

        for name in ("scale", "unscale_", "step", "update"):
            wrap(scaler, name, f"scaler.{name}")
        wrap(optimizer, "zero_grad", "zero_grad")
        wrap(model, "zero_grad", "zero_grad")

        def pre_step(opt, args, kwargs):
            self.events.append("optimizer.step" if self._in_scaler_step else "optimizer.step!")
            self.grads_at_step.append([None if p.grad is None else p.grad.clone() for p in params])

        optimizer.register_step_pre_hook(pre_step)


def call_train_step(model, inputs, targets, optimizer, scaler, max_norm, rec, what):
    """Call the learner's train_step and check the types it returns."""
    __tracebackhide__ = True
    try:
        out = kata.train_step(model, inputs, targets, rec.loss_fn, optimizer, scaler, max_norm)
    except AssertionError as err:  # GradScaler asserts that scale() ran before unscale_()
        if "_scale is None" not in str(err):
            raise
        raise AssertionError(
            f"{what} failed inside GradScaler: {err} Likely mistake: backward on the "
            f"unscaled loss; use scaler.scale(loss).backward(), then scaler.unscale_(optimizer)."
        ) from err
    if not isinstance(out, tuple) or len(out) != 2:
        raise AssertionError(f"{what} returned {out!r}; expected a tuple (loss, stepped).")
    loss, stepped = out
    if type(loss) is not float:
        raise AssertionError(
            f"{what} returned loss as {type(loss).__name__}; expected a Python float "
            f"(loss.item()), which holds no graph."
        )
    if type(stepped) is not bool:
        raise AssertionError(
            f"{what} returned stepped as {type(stepped).__name__} ({stepped!r}); expected a "
            f"Python bool. Likely mistake: returning what scaler.step() returns (the "
            f"optimizer's return value, None for SGD without a closure) or a tensor."
        )
    return loss, stepped


def diagnose_step_grads(rec, expected_norm, max_norm, scale) -> str:
    """Name the likely mistake when optimizer.step() saw gradients of the wrong size."""
    events = rec.events
    if "optimizer.step!" in events:
        return (
            "optimizer.step() was called directly: call scaler.step(optimizer), which "
            "unscales (if you did not) and skips the step on inf/NaN."
        )
    if rec.loss_grad and math.isclose(rec.loss_grad[0], 1.0):
        return (
            "backward on the unscaled loss: scaler.unscale_ then divided the gradients by "
            "the scale. Use scaler.scale(loss).backward()."
        )
    before_step = events[: events.index("scaler.step")] if "scaler.step" in events else events
    if "scaler.unscale_" not in before_step:
        return (
            "clipping the scaled gradients: clip_grad_norm_ saw gradients multiplied by the "
            "scale, clipped them to max_norm, and scaler.step() then divided by the scale. "
            "Call scaler.unscale_(optimizer) before clip_grad_norm_."
        )
    if rec.norm_at_unscale and rec.norm_at_unscale[0] <= max_norm * 1.001 < expected_norm * scale:
        return (
            "clip_grad_norm_ ran before scaler.unscale_, so it clipped the scaled gradients: "
            "unscale first, then clip."
        )
    return (
        "no clip_grad_norm_ at all, or one with another max_norm or norm_type: clip the "
        "unscaled gradients with clip_grad_norm_(model.parameters(), max_norm)."
    )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_autocast_dtype_is_bfloat16_on_cpu_and_float16_on_cuda(device):
    cases = [
        ("cpu", torch.bfloat16),
        ("cuda", torch.float16),
        ("cuda:1", torch.float16),
        (torch.device("cpu"), torch.bfloat16),
        (torch.device("cuda", 0), torch.float16),
        (device, LOW[device.type]),
    ]
    for arg, expected in cases:
        got = kata.autocast_dtype(arg)
        if got != expected:
            raise AssertionError(
                f"autocast_dtype({arg!r}) returned {got}; expected {expected}. Likely mistake: "
                f"bfloat16 on the CPU, float16 on CUDA (only the device's type matters, so "
                f"'cuda:1' is CUDA too)."
            )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "arg", ["meta", torch.device("meta"), "mps"], ids=["meta", "device-meta", "mps"]
)
def test_autocast_dtype_rejects_other_devices(arg):
    try:
        got = kata.autocast_dtype(arg)
    except ValueError:
        return
    raise AssertionError(
        f"autocast_dtype({arg!r}) returned {got}; expected a ValueError: this kata chooses "
        f"dtypes for 'cpu' and 'cuda' only. Likely mistake: "
        + (
            "an else branch that returns float16 for every device that is not the CPU."
            if got == torch.float16
            else f"a fallback that returns {got} for a device it does not know; raise "
            f"ValueError instead."
        )
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("as_string", [False, True], ids=["device", "string"])
def test_make_scaler_is_enabled_for_the_device(as_string, device):
    arg = device.type if as_string else device
    what = f"make_scaler({arg!r})"
    with quiet(what):
        scaler = kata.make_scaler(arg)
    if not isinstance(scaler, torch.amp.GradScaler):
        raise AssertionError(f"{what} returned {type(scaler).__name__}, not a GradScaler.")
    if not scaler.is_enabled():
        raise AssertionError(
            f"{what} returned a disabled GradScaler: it scales nothing and checks nothing for "
            f"inf. Likely mistake: GradScaler() defaults to device 'cuda' (disabled without "
            f"CUDA) or enabled=False; pass device.type."
        )
    settings = {
        "scale": (scaler.get_scale(), 2.0**16),
        "growth_factor": (scaler.get_growth_factor(), 2.0),
        "backoff_factor": (scaler.get_backoff_factor(), 0.5),
        "growth_interval": (scaler.get_growth_interval(), 2000),
    }
    for name, (got, expected) in settings.items():
        if got != expected:
            raise AssertionError(f"{what}: {name} is {got}, expected torch's default {expected}.")
    loss = torch.tensor(0.75, device=device)
    assert_tensor_close(
        scaler.scale(loss),
        loss * 2.0**16,
        what=f"{what}.scale(tensor(0.75)) on {device}",
        mistake="a scaler for another device: GradScaler's first argument is the device type.",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("classes", [False, True], ids=["mse", "cross_entropy"])
def test_forward_runs_in_low_precision_and_the_loss_in_float32(classes, device):
    low = LOW[device.type]
    loss_fn = F.cross_entropy if classes else F.mse_loss
    for seed in range(3):
        model, inputs, targets = make_problem(seed, device, classes=classes)
        seen: list[tuple[str, torch.dtype, bool]] = []
        for name, module in model.named_children():
            module.register_forward_hook(
                lambda m, a, out, name=name, seen=seen: seen.append(
                    (name, out.dtype, torch.is_autocast_enabled(device.type))
                )
            )
        what = (
            f"autocast_forward(model, inputs {tuple(inputs.shape)}, targets "
            f"{tuple(targets.shape)}, {loss_fn.__name__}) on {device}"
        )
        with quiet(what):
            outputs, loss = kata.autocast_forward(model, inputs, targets, loss_fn)
        for name, dtype, enabled in seen:
            if not enabled or dtype != low:
                why = (
                    "you cast the model and inputs by hand instead of using autocast."
                    if dtype == low
                    else "model(inputs) outside the autocast block, or autocast with the "
                    "wrong dtype or device type."
                )
                raise AssertionError(
                    f"{what}: layer {name} ran with autocast {'on' if enabled else 'off'} and "
                    f"gave {dtype}; expected autocast on and {low}. Likely mistake: {why}"
                )
        with torch.autocast(device.type, dtype=low):
            expected_out = model(inputs)
            expected_loss = loss_fn(expected_out, targets)
        assert_tensor_close(
            outputs,
            expected_out,
            what=f"{what}: outputs",
            mistake="not model(inputs) under autocast: the outputs changed after the forward "
            "(cast, rescaled), or came from another input.",
        )
        if loss.dtype != expected_loss.dtype:
            raise AssertionError(
                f"{what}: the loss is {loss.dtype}; under autocast {loss_fn.__name__} gives "
                f"{expected_loss.dtype}. Likely mistake: the loss computed outside autocast, on "
                f"the low-precision outputs (compute it inside the autocast block), or a loss "
                f"cast by hand."
            )
        # the dtype is right: a loss outside autocast on these outputs would not be
        assert_tensor_close(
            loss,
            expected_loss,
            what=f"{what}: loss",
            mistake="a loss other than loss_fn(outputs, targets) under autocast: other "
            "arguments, another reduction, or a loss of outputs cast by hand.",
        )


@pytest.mark.task(2)
def test_loss_is_computed_inside_autocast(device):
    model, inputs, targets = make_problem(10, device, classes=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    rec = Recorder(model, optimizer, make_scaler_for_test(device), F.cross_entropy)
    kata.autocast_forward(model, inputs, targets, rec.loss_fn)
    what = f"autocast_forward(model, inputs {tuple(inputs.shape)}, targets, loss_fn)"
    if rec.autocast_in_loss != [True]:
        raise AssertionError(
            f"{what}: loss_fn ran with autocast {rec.autocast_in_loss} (expected [True]): the "
            f"loss was computed outside autocast. Likely mistake: only model(inputs) inside "
            f"the `with torch.autocast(...)` block; the docs put the loss inside too."
        )


@pytest.mark.task(2)
def test_model_is_not_cast_by_hand(device):
    model, inputs, targets = make_problem(11, device)
    before = {name: p for name, p in model.named_parameters()}
    values = {name: p.detach().clone() for name, p in model.named_parameters()}
    what = "autocast_forward(model, inputs, targets, mse_loss)"
    kata.autocast_forward(model, inputs, targets, F.mse_loss)
    for name, p in model.named_parameters():
        if p.dtype != torch.float32:
            raise AssertionError(
                f"{what}: afterwards parameter {name} is {p.dtype}, expected float32. Likely "
                f"mistake: you cast the model by hand (model.half() / model.to(dtype)); the "
                f"optimizer would then update low-precision weights. Autocast casts per op "
                f"and leaves the float32 master weights alone."
            )
        if p is not before[name]:
            raise AssertionError(
                f"{what}: parameter {name} was replaced by a new tensor; expected the same "
                f"Parameter object. Likely mistake: model.to(dtype) and back, or assigning new "
                f"Parameters: the optimizer holds the old ones."
            )
        assert_tensor_close(p, values[name], what=f"{what}: parameter {name}", rtol=0, atol=0)


@pytest.mark.task(2)
def test_autocast_has_ended_and_the_inputs_are_untouched(device):
    model, inputs, targets = make_problem(12, device)
    inputs.requires_grad_(True)
    saved = (inputs.detach().clone(), targets.clone())
    what = "autocast_forward(model, inputs (requiring grad), targets, mse_loss)"
    _, loss = kata.autocast_forward(model, inputs, targets, F.mse_loss)
    if torch.is_autocast_enabled(device.type):
        torch.set_autocast_enabled(device.type, False)  # do not leak into later tests
        raise AssertionError(
            f"{what}: autocast is still on after the call. Use `with torch.autocast(...):` "
            f"so that the region ends (backward should run outside it)."
        )
    for name, tensor, original in (("inputs", inputs, saved[0]), ("targets", targets, saved[1])):
        assert_tensor_close(
            tensor, original, what=f"{what}: {name} afterwards", rtol=0, atol=0,
            mistake=f"an in-place change to the caller's {name}.",
        )  # fmt: skip
    if inputs.dtype != torch.float32 or not inputs.requires_grad:
        raise AssertionError(
            f"{what}: afterwards the caller's inputs are {inputs.dtype} with requires_grad="
            f"{inputs.requires_grad}; expected float32 and True, untouched. Likely mistake: "
            f"inputs.requires_grad_(False), or inputs.data replaced by a cast copy; autocast "
            f"casts per op and needs no change to the inputs."
        )
    if loss.grad_fn is None:
        raise AssertionError(
            f"{what}: the loss has no graph (grad_fn None); backward would fail. Likely "
            f"mistake: the forward under torch.no_grad() or inference_mode, or the loss "
            f"detached."
        )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
def test_optimizer_steps_on_unscaled_clipped_gradients(device):
    for seed in range(3):
        model, inputs, targets = make_problem(seed, device)
        norm = unclipped_norm(model, inputs, targets, F.mse_loss)
        max_norm = norm / 3
        _, _, expected, _ = reference_step(model, inputs, targets, F.mse_loss, max_norm, INIT_SCALE)
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
        scaler = make_scaler_for_test(device)
        rec = Recorder(model, optimizer, scaler)
        what = (
            f"train_step(model, inputs {tuple(inputs.shape)}, targets, mse_loss, SGD, "
            f"GradScaler(init_scale={INIT_SCALE:g}), max_norm={max_norm:.4g}) with an "
            f"unclipped gradient norm of {norm:.4g}"
        )
        call_train_step(model, inputs, targets, optimizer, scaler, max_norm, rec, what)
        if len(rec.grads_at_step) != 1:
            raise AssertionError(
                f"{what}: optimizer.step() ran {len(rec.grads_at_step)} times; expected once."
            )
        grads = rec.grads_at_step[0]
        if any(g is None for g in grads):
            raise AssertionError(
                f"{what}: optimizer.step() saw .grad None; expected this batch's gradients. "
                f"Likely mistake: zero_grad() (set_to_none) between backward and the step, or "
                f"no backward before it."
            )
        seen = total_norm(grads)
        if not math.isclose(seen, max_norm, rel_tol=1e-4):
            raise AssertionError(
                f"{what}: optimizer.step() saw gradients of total norm {seen:.4g}; expected "
                f"the unscaled gradients clipped to {max_norm:.4g}. Likely mistake: "
                + diagnose_step_grads(rec, norm, max_norm, INIT_SCALE)
            )
        for i, (g, e) in enumerate(zip(grads, expected, strict=True)):
            assert_tensor_close(
                g,
                e,
                what=f"{what}: .grad of parameter {i} seen by optimizer.step()",
                **TIGHT,
                mistake=diagnose_step_grads(rec, norm, max_norm, INIT_SCALE),
            )


@pytest.mark.task(3)
@pytest.mark.parametrize("classes", [False, True], ids=["mse", "cross_entropy"])
def test_parameters_equal_a_float32_reference_step(classes, device):
    loss_fn = F.cross_entropy if classes else F.mse_loss
    for seed in range(3):
        model, inputs, targets = make_problem(20 + seed, device, classes=classes)
        max_norm = unclipped_norm(model, inputs, targets, loss_fn) / 2
        ref_loss, _, _, expected = reference_step(
            model, inputs, targets, loss_fn, max_norm, INIT_SCALE
        )
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
        scaler = make_scaler_for_test(device)
        rec = Recorder(model, optimizer, scaler, loss_fn)
        what = f"train_step(..., {loss_fn.__name__}, SGD(lr={LR}), scaler, max_norm={max_norm:.4g})"
        loss, stepped = call_train_step(
            model, inputs, targets, optimizer, scaler, max_norm, rec, what
        )
        if not math.isclose(loss, ref_loss, rel_tol=1e-6):
            why = (
                "returning the scaled loss (scaler.scale(loss).item()): return loss.item()."
                if math.isclose(loss, ref_loss * INIT_SCALE, rel_tol=1e-6)
                else "a loss computed after the step, or one computed outside autocast."
            )
            raise AssertionError(
                f"{what} returned loss {loss:.7g}; this batch's autocast loss before the "
                f"update is {ref_loss:.7g}. Likely mistake: {why}"
            )
        for (name, p), e in zip(model.named_parameters(), expected, strict=True):
            if p.dtype != torch.float32:
                raise AssertionError(
                    f"{what}: parameter {name} is {p.dtype} after the step; expected float32 "
                    f"master weights. Likely mistake: you cast the model by hand."
                )
            assert_tensor_close(
                p,
                e,
                what=f"{what}: parameter {name} after the step",
                **TIGHT,
                mistake="the update did not use this batch's unscaled, clipped gradients: "
                + diagnose_step_grads(rec, max_norm * 2, max_norm, INIT_SCALE),
            )
        if stepped is not True:
            raise AssertionError(
                f"{what} returned stepped={stepped!r} for a step that updated the parameters. "
                f"Likely mistake: comparing the scale after update() with `>` (it usually "
                f"stays the same after a good step), or reading scaler.step()'s return value."
            )


@pytest.mark.task(3)
@pytest.mark.parametrize("bad", [math.inf, math.nan], ids=["inf", "nan"])
def test_a_step_with_non_finite_gradients_is_skipped(bad, device):
    for seed in range(2):
        model, inputs, targets = make_problem(30 + seed, device)
        targets[seed, 1] = bad  # the loss, and with it the gradients, become non-finite
        params_before = [p.detach().clone() for p in model.parameters()]
        optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
        scaler = make_scaler_for_test(device, backoff_factor=0.25)
        rec = Recorder(model, optimizer, scaler)
        what = (
            f"train_step(...) on a batch whose target holds {bad} (so the gradients are "
            f"non-finite), GradScaler(init_scale={INIT_SCALE:g}, backoff_factor=0.25)"
        )
        loss, stepped = call_train_step(model, inputs, targets, optimizer, scaler, 1.0, rec, what)
        for (name, p), before in zip(model.named_parameters(), params_before, strict=True):
            if not torch.equal(p.detach(), before):
                now = "finite" if bool(p.isfinite().all()) else "inf/NaN"
                raise AssertionError(
                    f"{what}: parameter {name} changed (its values are now {now}); the step "
                    f"must be skipped. Likely mistake: "
                    + (
                        "optimizer.step() was called directly; scaler.step(optimizer) skips "
                        "it when the gradients hold inf/NaN."
                        if "optimizer.step!" in rec.events
                        else "the parameters changed without optimizer.step() (an update by "
                        "hand, or an in-place change of p.data); only scaler.step(optimizer) "
                        "may update them."
                        if not rec.grads_at_step
                        else "the inf/NaN removed from the gradients (nan_to_num, clamp) "
                        "before scaler.step(), so it could not see them."
                    )
                )
        if rec.grads_at_step:
            raise AssertionError(
                f"{what}: optimizer.step() ran; it must be skipped. Likely mistake: "
                + (
                    "optimizer.step() was called directly."
                    if "optimizer.step!" in rec.events
                    else "the inf/NaN removed from the gradients (nan_to_num, clamp) before "
                    "scaler.step(), so it could not see them."
                )
            )
        scale = scaler.get_scale()
        if scale != INIT_SCALE * 0.25:
            raise AssertionError(
                f"{what}: the scale is {scale:g} afterwards; expected {INIT_SCALE:g} * 0.25 = "
                f"{INIT_SCALE * 0.25:g}. Likely mistake: "
                + (
                    "scaler.update() not called (the scale never changes without it)."
                    if scale == INIT_SCALE
                    else "scaler.update() called more than once, or given a new_scale."
                )
            )
        if stepped is not False:
            raise AssertionError(
                f"{what} returned stepped={stepped!r}; expected False (the step was skipped). "
                f"Likely mistake: not comparing scaler.get_scale() before and after update()."
            )
        if math.isfinite(loss):
            raise AssertionError(
                f"{what} returned loss {loss}; this batch's loss is {bad}. Likely mistake: a "
                f"loss made finite (nan_to_num) or taken from another batch or another forward."
            )


@pytest.mark.task(3)
def test_scale_grows_after_growth_interval_good_steps(device):
    model, inputs, targets = make_problem(40, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    scaler = make_scaler_for_test(device, growth_factor=4.0, growth_interval=2)
    rec = Recorder(model, optimizer, scaler)
    expected = [INIT_SCALE, INIT_SCALE * 4, INIT_SCALE * 4]
    for step, want in enumerate(expected):
        what = (
            f"train_step call {step + 1} of 3 with GradScaler(init_scale={INIT_SCALE:g}, "
            f"growth_factor=4, growth_interval=2)"
        )
        _, stepped = call_train_step(model, inputs, targets, optimizer, scaler, 10.0, rec, what)
        if scaler.get_scale() != want:
            raise AssertionError(
                f"{what}: the scale is {scaler.get_scale():g} afterwards; expected {want:g}. "
                f"Likely mistake: scaler.update() not called exactly once per step."
            )
        if stepped is not True:
            before = expected[step - 1] if step else INIT_SCALE
            raise AssertionError(
                f"{what} returned stepped={stepped!r} for a good step (the scale went from "
                f"{before:g} to {want:g}); expected True. Likely mistake: "
                + (
                    "stepped read as 'the scale grew' (after > before): after most good steps "
                    "it stays the same; a step was skipped only when the scale dropped."
                    if want == before
                    else "stepped read as 'the scale stayed the same' (after == before): the "
                    "scale grows after growth_interval good steps; a step was skipped only "
                    "when the scale dropped."
                )
            )


@pytest.mark.task(3)
def test_training_recovers_after_a_skipped_step(device):
    model, inputs, targets = make_problem(50, device)
    reference = copy.deepcopy(model)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=LR, momentum=0.9)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    scaler = make_scaler_for_test(device)
    rec = Recorder(model, optimizer, scaler)
    bad_targets = targets.clone()
    bad_targets[0, 0] = math.inf
    scale = INIT_SCALE
    for step, batch_targets in enumerate([targets, bad_targets, targets, targets]):
        good = batch_targets is targets
        what = f"train_step call {step + 1} of 4 ({'good' if good else 'inf'} batch), SGD momentum"
        call_train_step(model, inputs, batch_targets, optimizer, scaler, 1.0, rec, what)
        if good:  # the reference: this step by hand; the bad one is skipped entirely
            ref_opt.zero_grad()
            with torch.autocast(device.type, dtype=LOW[device.type]):
                loss = F.mse_loss(reference(inputs), targets)
            (loss * scale).backward()
            with torch.no_grad():
                for p in reference.parameters():
                    p.grad.div_(scale)
            torch.nn.utils.clip_grad_norm_(reference.parameters(), 1.0)
            ref_opt.step()
        else:
            scale *= 0.5
        for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
            assert_tensor_close(
                p,
                q,
                what=f"{what}: parameter {name}",
                **TIGHT,
                mistake="after a skipped step, training goes on with the lowered scale; a "
                "skipped step must change nothing (not even momentum).",
            )


@pytest.mark.task(3)
def test_calls_happen_in_the_right_order(device):
    model, inputs, targets = make_problem(60, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    scaler = make_scaler_for_test(device)
    rec = Recorder(model, optimizer, scaler)
    call_train_step(model, inputs, targets, optimizer, scaler, 1.0, rec, "train_step(...)")
    events = rec.events
    what = f"train_step(...) made these calls, in order: {events}"
    if "optimizer.step!" in events:
        raise AssertionError(
            f"{what}: optimizer.step() was called directly (marked '!'). Likely mistake: "
            f"call scaler.step(optimizer) instead; it skips the step on inf/NaN gradients."
        )
    for name in ("zero_grad", "loss", "scaler.scale", "backward", "scaler.unscale_",
                 "scaler.step", "optimizer.step", "scaler.update"):  # fmt: skip
        if name not in events:
            hint = {
                "scaler.scale": " Likely mistake: backward on the unscaled loss.",
                "scaler.update": " Likely mistake: scaler.update() not called.",
                "scaler.unscale_": " Likely mistake: clipping the scaled gradients "
                "(scaler.unscale_(optimizer) belongs before clip_grad_norm_).",
            }.get(name, "")
            raise AssertionError(f"{what}; {name} is missing.{hint}")
    if events.count("scaler.update") != 1 or events.count("scaler.step") != 1:
        raise AssertionError(f"{what}; expected scaler.step and scaler.update once each.")
    last_zero = max(i for i, e in enumerate(events) if e == "zero_grad")
    if last_zero > events.index("backward"):
        raise AssertionError(f"{what}: zero_grad after backward wipes out this batch's gradients.")
    order = ["loss", "scaler.scale", "backward", "scaler.unscale_", "scaler.step", "scaler.update"]
    positions = [events.index(name) for name in order]
    if positions != sorted(positions):
        first, second = next(
            (a, b)
            for (a, pa), (b, pb) in itertools.pairwise(zip(order, positions, strict=True))
            if pa > pb
        )
        raise AssertionError(
            f"{what}; expected the order {order}. Likely mistake: {second} called before "
            f"{first}"
            + (
                " (scaler.update() before scaler.step())."
                if (first, second) == ("scaler.step", "scaler.update")
                else " (unscale_ after step)."
                if (first, second) == ("scaler.unscale_", "scaler.step")
                else "."
            )
        )
    if rec.autocast_in_backward != [False]:
        raise AssertionError(
            f"{what}: backward ran with autocast on. Likely mistake: backward inside the "
            f"`with torch.autocast(...)` block; the docs advise leaving it before backward."
        )


@pytest.mark.task(3)
def test_stale_gradients_do_not_leak_into_the_step(device):
    gen = torch.Generator().manual_seed(70)
    model, inputs, targets = make_problem(70, device)
    _, _, fresh, _ = reference_step(model, inputs, targets, F.mse_loss, math.inf, INIT_SCALE)
    for p in model.parameters():  # left over from an earlier batch, large enough to show
        p.grad = (torch.randn(p.shape, generator=gen) * 1e5).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    scaler = make_scaler_for_test(device)
    rec = Recorder(model, optimizer, scaler)
    what = "train_step(..., max_norm=1e9) on a model whose .grad held an earlier batch's values"
    call_train_step(model, inputs, targets, optimizer, scaler, 1e9, rec, what)
    if not rec.grads_at_step:
        raise AssertionError(
            f"{what}: optimizer.step() never ran; expected one step on a good batch. Likely "
            f"mistake: the step skipped (scaler.step() not called)."
        )
    gen = torch.Generator().manual_seed(70)  # the stale gradients planted above, again
    stale = [(torch.randn(p.shape, generator=gen) * 1e5).to(device) for p in model.parameters()]
    for i, (g, e) in enumerate(zip(rec.grads_at_step[0], fresh, strict=True)):
        added = g is not None and any(
            torch.allclose(g, e + old, rtol=1e-5, atol=1e-5)
            for old in (stale[i], stale[i] / INIT_SCALE)
        )
        assert_tensor_close(
            g,
            e,
            what=f"{what}: .grad of parameter {i} seen by optimizer.step()",
            **TIGHT,
            mistake="stale gradients were added to this batch's (the step saw the old .grad "
            "plus the new one): call optimizer.zero_grad() before backward."
            if added
            else "the step saw neither this batch's gradient nor it plus the stale one: "
            "zero_grad at the wrong place, or the gradients scaled or clipped wrong.",
        )


@pytest.mark.cuda
@pytest.mark.task(3)
def test_scaling_keeps_small_float16_gradients_from_underflowing(device):
    """On CUDA, float16 gradients below about 6e-8 become 0 without loss scaling."""
    model, inputs, targets = make_problem(80, device)

    def tiny_loss(outputs, targets):
        return F.mse_loss(outputs, targets) * 1e-9

    contrast = copy.deepcopy(model)
    with torch.autocast("cuda", dtype=torch.float16):
        loss = tiny_loss(contrast(inputs), targets)
    loss.backward()
    zero_without_scaling = sum(int((p.grad == 0).sum()) for p in contrast.parameters())
    scale = 2.0**16
    _, _, expected, _ = reference_step(model, inputs, targets, tiny_loss, math.inf, scale)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    scaler = torch.amp.GradScaler("cuda")  # the default init_scale, 2**16
    rec = Recorder(model, optimizer, scaler, tiny_loss)
    what = "train_step(...) with a loss of about 1e-9 under float16 autocast"
    call_train_step(model, inputs, targets, optimizer, scaler, math.inf, rec, what)
    zero_with_scaling = sum(int((g == 0).sum()) for g in rec.grads_at_step[0])
    if zero_with_scaling >= zero_without_scaling > 0:
        raise AssertionError(
            f"{what}: optimizer.step() saw {zero_with_scaling} zero gradient elements, as "
            f"many as backward without scaling gives ({zero_without_scaling}). Likely "
            f"mistake: backward on the unscaled loss; use scaler.scale(loss).backward()."
        )
    for i, (g, e) in enumerate(zip(rec.grads_at_step[0], expected, strict=True)):
        # the gradients are about 1e-10 here: relative tolerance only
        assert_tensor_close(g, e, what=f"{what}: .grad of parameter {i}", rtol=1e-5, atol=0)
