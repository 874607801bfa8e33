"""Tests for kata 08: device-agnostic code, .to() versus .type(), the three classic errors.

Device mismatches are tested on any machine with the "meta" device (tensors with shapes and
dtypes but no data); tests that need a real GPU carry the `cuda` marker.
"""

import ast
import copy
import inspect
import textwrap

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_tensor_close, count_torch_calls, load_kata

kata = load_kata(__file__)

META = torch.device("meta")
DEVICE_NAMES = {"cuda", "cpu", "mps", "meta"}


def check_device_agnostic(name: str) -> None:
    """Fail if function `name` names a device itself instead of following its arguments."""
    __tracebackhide__ = True
    tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(getattr(kata, name)))))
    for node in ast.walk(tree):
        named = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.split(":")[0] in DEVICE_NAMES:
                named = repr(node.value)
        elif isinstance(node, ast.Attribute) and node.attr in {"cuda", "cpu", "is_available"}:
            named = f".{node.attr}"
        if named:
            raise AssertionError(
                f"{name}() hard-codes a device ({named} at line {node.lineno} of the function): "
                f"code that names 'cuda' or 'cpu' runs on one kind of machine only. Likely "
                f"mistake: follow the arguments' devices (x.device, a parameter's device); only "
                f"pick_device() decides."
            )


def call(name: str, *args, what: str, mistake):
    """The learner's `name`(*args); a RuntimeError becomes a failure naming the likely
    mistake (a text, or a function of the error's text that picks one)."""
    __tracebackhide__ = True
    try:
        return getattr(kata, name)(*args)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        why = mistake(str(err)) if callable(mistake) else mistake
        raise AssertionError(f"{what} raised RuntimeError: {err}. Likely mistake: {why}") from err


def small_model(device, dtype=torch.float32, norm: bool = True) -> nn.Module:
    """Linear, BatchNorm1d (buffers to move), Linear; `norm=False` puts a ReLU in its place
    (BatchNorm on the meta device imports torch._dynamo: seconds of a CPU run)."""
    with torch.random.fork_rng(devices=[]):  # seeded weights without touching the global RNG
        torch.manual_seed(0)
        middle = nn.BatchNorm1d(3) if norm else nn.ReLU()
        model = nn.Sequential(nn.Linear(4, 3), middle, nn.Linear(3, 2))
    return model.to(device, dtype)


# ----------------------------------------------------------------------------- task 1


def _pick(monkeypatch, cuda: bool, mps: bool) -> torch.device:
    __tracebackhide__ = True
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    got = kata.pick_device()
    if not isinstance(got, torch.device):
        raise AssertionError(
            f"pick_device() returned {got!r} ({type(got).__name__}), expected a torch.device. "
            f"Likely mistake: returning the string 'cuda'; wrap it: torch.device('cuda')."
        )
    return got


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "cuda, mps, expected",
    [(True, False, "cuda"), (True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_pick_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    got = _pick(monkeypatch, cuda, mps)
    if got.type != expected:
        raise AssertionError(
            f"pick_device() with cuda available={cuda}, mps available={mps} returned {got}, "
            f"expected {expected}. Likely mistake: "
            + (
                "a hard-coded 'cuda', which fails on every machine without a GPU, or "
                "`if torch.cuda.is_available:` without the call (a function is always true)."
                if got.type == "cuda"
                else "the order of the checks, or a missing check (CUDA, then MPS, then CPU)."
            )
        )


@pytest.mark.task(1)
@pytest.mark.cuda
def test_pick_device_finds_the_real_gpu():
    got = kata.pick_device()
    if torch.device(got).type != "cuda":
        raise AssertionError(f"pick_device() returned {got!r} on a machine with a GPU.")
    x = torch.ones(2, device=got)
    if x.device.type != "cuda":
        raise AssertionError(f"a tensor made with device=pick_device() is on {x.device}.")


# ----------------------------------------------------------------------------- task 2


def make_batch(gen: torch.Generator):
    return {
        "images": torch.randn(3, 4, generator=gen),
        "labels": torch.randint(2, (3,), generator=gen),
        "meta": {"lengths": [torch.tensor([1, 2]), torch.tensor([3])], "name": "batch-7"},
        "pair": (torch.zeros(2), 5, None),
    }


def snapshot(batch):
    """The structure of a batch with the identity and device of every tensor in it."""
    if isinstance(batch, torch.Tensor):
        return ("tensor", id(batch), batch.device)
    if isinstance(batch, dict):
        return ("dict", id(batch), [(k, snapshot(v)) for k, v in batch.items()])
    if isinstance(batch, list | tuple):
        return (type(batch).__name__, id(batch), [snapshot(v) for v in batch])
    return ("other", batch)


def check_moved(got, original, device, path: str = "batch") -> None:
    __tracebackhide__ = True
    if isinstance(original, torch.Tensor):
        if not isinstance(got, torch.Tensor) or got.device != device:
            where = got.device if isinstance(got, torch.Tensor) else type(got).__name__
            raise AssertionError(
                f"{path} is on {where}, expected {device}. Likely mistake: t.to(device) "
                f"returns a new tensor (it does not move t in place); use the returned value, "
                f"and walk into nested dicts, lists and tuples."
            )
        if got.dtype != original.dtype or got.shape != original.shape:
            raise AssertionError(
                f"{path} was {original.dtype} of shape {tuple(original.shape)}, came back "
                f"{got.dtype} of shape {tuple(got.shape)}: moving keeps both. Likely mistake: "
                f"a cast (.float(), .to(device, dtype)) or a reshape along with the move; "
                f"t.to(device) keeps the dtype."
            )
        if device.type != "meta":
            assert_tensor_close(got, original.to(device), what=path)
        return
    if not isinstance(original, dict | list | tuple):
        if type(got) is not type(original) or got != original:
            raise AssertionError(
                f"{path} was {original!r}, came back as {got!r}: leave non-tensors alone. "
                f"Likely mistake: the recursive helper has no final `return batch` for "
                f"non-tensors (None comes back), or it converts them (torch.as_tensor)."
            )
        return
    if type(got) is not type(original):
        raise AssertionError(
            f"{path} came back as {type(got).__name__}, expected {type(original).__name__}: "
            f"keep the container types (a tuple stays a tuple)."
        )
    if isinstance(original, dict):
        if list(got) != list(original):
            raise AssertionError(
                f"{path} came back with keys {list(got)}, expected {list(original)}."
            )
        for key in original:
            check_moved(got[key], original[key], device, f"{path}[{key!r}]")
    elif isinstance(original, list | tuple):
        if len(got) != len(original):
            raise AssertionError(
                f"{path} came back with {len(got)} items, expected {len(original)}."
            )
        for i, (g, o) in enumerate(zip(got, original, strict=True)):
            check_moved(g, o, device, f"{path}[{i}]")


@pytest.mark.task(2)
@pytest.mark.parametrize("target", ["meta", "fixture"])
def test_to_device_moves_model_and_nested_batch(target, device):
    gen = torch.Generator().manual_seed(1)
    dest = META if target == "meta" else device
    model = small_model(device)
    batch = make_batch(gen)
    before = snapshot(batch)
    got = kata.to_device(model, batch, dest)
    if not (isinstance(got, tuple) and len(got) == 2):
        raise AssertionError(f"to_device(model, batch, {dest}) should return (model, batch).")
    moved_model, moved_batch = got
    if snapshot(batch) != before:
        raise AssertionError(
            f"to_device(model, batch, {dest}) changed the caller's batch: its containers now "
            f"hold other objects. Likely mistake: batch[key] = value.to(device) writes into the "
            f"caller's dict (or list); build new containers and return them."
        )
    if moved_model is not model:
        raise AssertionError(
            f"to_device(model, batch, {dest}) returned another model object; nn.Module.to "
            f"moves the caller's model in place and returns it: return that one."
        )
    for name, t in moved_model.named_parameters():
        if t.device != dest:
            raise AssertionError(
                f"to_device(model, batch, {dest}): the parameter model.{name} is on "
                f"{t.device}. Likely mistake: the model was not moved; model.to(device) moves "
                f"its parameters and buffers in place."
            )
    for name, t in moved_model.named_buffers():
        if t.device != dest:
            raise AssertionError(
                f"to_device(model, batch, {dest}): the parameters moved, but the buffer "
                f"model.{name} is on {t.device}. Likely mistake: moving parameters one by one "
                f"(for p in model.parameters()) misses buffers; model.to(device) moves both."
            )
    check_moved(moved_batch, batch, dest)
    check_device_agnostic("to_device")


@pytest.mark.task(2)
@pytest.mark.parametrize("shape", [(2, 3), (5,)])
def test_to_device_accepts_a_bare_tensor(shape, device):
    x = torch.randn(shape)
    _, got = kata.to_device(nn.Linear(1, 1), x, META)
    check_moved(got, x, META)


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "dtype", [torch.float16, torch.float32, torch.int32, torch.int64, torch.float64]
)
def test_cast_like_matches_dtype_and_values(dtype, device):
    gen = torch.Generator().manual_seed(2)
    x = (torch.randn(4, 3, generator=gen, dtype=torch.float64) * 20).to(device)
    ref = torch.zeros(1, dtype=dtype, device=device)
    before = x.clone()
    what = f"cast_like(x, ref) for a float64 x and {dtype} ref"
    got = kata.cast_like(x, ref)
    if x.dtype != before.dtype or x.device != before.device:
        raise AssertionError(
            f"{what} changed the caller's x: it is now {x.dtype} on {x.device}, was "
            f"{before.dtype} on {before.device}. Likely mistake: x.data = x.to(...) (or "
            f"x.set_(...)) converts the caller's tensor in place, as model.to would a module; "
            f"tensor.to returns a new tensor: return that."
        )
    assert_tensor_close(got, before.to(dtype), what=what)
    assert_tensor_close(x, before, what="x after cast_like", mistake="x was changed in place.")
    check_device_agnostic("cast_like")


def check_cast(got, x, ref, what: str) -> None:
    """got has ref's dtype and device; the message names which of the two was missed."""
    __tracebackhide__ = True
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} returned {got!r:.60}, expected a tensor.")
    wrong_dtype, wrong_device = got.dtype != ref.dtype, got.device != ref.device
    if not (wrong_dtype or wrong_device):
        return
    if wrong_device and not wrong_dtype:
        why = (
            "x.type(ref.dtype) or x.to(ref.dtype): .type() changes only the dtype, and .to() "
            "with a dtype alone does not move; x.to(ref) (or device= and dtype=) moves too."
        )
    elif wrong_dtype and not wrong_device:
        why = "x.to(ref.device) moves but keeps x's dtype; pass dtype= as well (or x.to(ref))."
    else:
        why = "neither ref's dtype nor its device was applied; x.to(ref) converts both."
    raise AssertionError(
        f"{what} gave {got.dtype} on {got.device}, expected {ref.dtype} on {ref.device}. "
        f"Likely mistake: {why}"
    )


@pytest.mark.task(3)
def test_cast_like_follows_refs_device(device):
    x = torch.randn(4, 3, dtype=torch.float64, device=device)
    ref = torch.empty(2, dtype=torch.float16, device=META)
    got = kata.cast_like(x, ref)
    check_cast(
        got, x, ref, f"cast_like(x, ref) for x (float64 on {device}) and ref (float16 on meta)"
    )


# every call that converts (and so copies) a whole tensor, by count_torch_calls' names
CONVERSIONS = {
    "to", "type", "copy_", "clone", "half", "float", "double", "bfloat16", "long", "int",
    "short", "char", "byte", "bool", "cuda", "cpu", "as_tensor", "tensor", "new_tensor",
}  # fmt: skip


def conversions(calls) -> dict[str, int]:
    return {name: n for name, n in calls.items() if name in CONVERSIONS and n}


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64])
def test_cast_like_returns_x_itself_when_nothing_changes(dtype, device):
    x = torch.arange(6, device=device).to(dtype).reshape(2, 3)
    ref = torch.zeros(1, dtype=dtype, device=device)
    # the premise: with dtype and device already right, .to and .type are no-ops
    assert x.to(ref) is x and x.type(dtype) is x
    what = f"cast_like(x, ref) for x and ref both {dtype} on {device}"
    with count_torch_calls() as calls:
        got = kata.cast_like(x, ref)
    if got is not x:
        made = conversions(calls)
        raise AssertionError(
            f"{what} returned a new tensor (a copy although nothing needed converting; calls: "
            f"{made or 'none counted'}). x.to(ref) returns x itself when dtype and device "
            f"already match, and so does .type(): no memory, no time. Likely mistake: "
            f'copy=True, .clone(), or building a new tensor (torch.tensor(...)) "to be safe".'
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("change", ["dtype", "device", "both"])
def test_cast_like_converts_once(change, device):
    x = torch.randn(4, 3, dtype=torch.float64, device=device)
    ref = torch.zeros(
        1,
        dtype=torch.float16 if change in ("dtype", "both") else torch.float64,
        device=META if change in ("device", "both") else device,
    )
    what = (
        f"cast_like(x, ref) for x float64 on {device} and ref {ref.dtype} on {ref.device} "
        f"(the {change} differs)"
    )
    with count_torch_calls() as calls:
        got = kata.cast_like(x, ref)
    check_cast(got, x, ref, what)
    made = conversions(calls)
    if sum(made.values()) > 1:
        if made.get("type") and made.get("to"):
            why = "converts twice, not .type() followed by .to(): the first copy is thrown away."
        elif made.get("to", 0) > 1:
            why = "converts twice: .to(device) then .to(dtype) (or the other way round)."
        else:
            why = "converts twice (a cast and then a move, or a copy before the conversion)."
        raise AssertionError(
            f"{what} made {sum(made.values())} conversions ({made}); each one copies the whole "
            f"tensor. x.to(device=ref.device, dtype=ref.dtype), or x.to(ref), does it in one. "
            f"Likely mistake: {why}"
        )


@pytest.mark.task(3)
@pytest.mark.cuda
def test_cast_like_moves_to_the_gpu_in_one_conversion(device):
    x = torch.randn(4, 3, dtype=torch.float64)  # on the CPU
    ref = torch.zeros(1, dtype=torch.float16, device=device)
    what = f"cast_like(x, ref) for x float64 on the CPU and ref float16 on {device}"
    with count_torch_calls() as calls:
        got = kata.cast_like(x, ref)
    check_cast(got, x, ref, what)
    made = conversions(calls)
    if sum(made.values()) > 1:
        raise AssertionError(
            f"{what} made {sum(made.values())} conversions ({made}); x.to(ref) copies once."
        )
    assert_tensor_close(got, x.to(device, torch.float16), what=what)


# ----------------------------------------------------------------------------- task 4


def random_images(seed: int, device, layout: str):
    gen = torch.Generator().manual_seed(seed)
    n, c, h, w = torch.randint(1, 5, (4,), generator=gen).tolist()
    images = torch.randn(n, c + 1, h, w + 1, generator=gen).to(device)  # C*H != 1: W alone is wrong
    if layout == "channels_last":
        images = images.contiguous(memory_format=torch.channels_last)
    elif layout == "sliced":
        images = images[..., 1:]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Linear(images[0].numel(), 3).to(device)
    return model, images


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "sliced"])
def test_classify_images_fixes_the_shape_error(seed, layout, device):
    model, images = random_images(seed, device, layout)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        model(images)  # the failing snippet
    what = f"classify_images(model, images) for {layout} images of shape {tuple(images.shape)}"
    got = call(
        "classify_images",
        model,
        images,
        what=what,
        mistake=lambda err: (
            "the model did not get (N, C*H*W): flatten() alone flattens the batch dimension "
            "too, flatten(2) keeps C apart; keep only the batch dimension: flatten(1)."
            if "cannot be multiplied" in err
            else "images.view(N, -1) fails on channels_last or sliced (non-contiguous) "
            "images; flatten(1) or reshape copies when it must."
            if "view" in err
            else "each image must become one row of C*H*W values before the model: "
            "images.flatten(1)."
        ),
    )
    expected = torch.stack([model(img.reshape(-1)) for img in images])
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="pixels flattened in another order than (C, H, W): a permute to (N, H, W, C) "
        "before flattening (channels_last changes the memory layout, not the logical "
        "order), or a transpose.",
    )
    check_device_agnostic("classify_images")


# ----------------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.parametrize(
    "model_dtype, x_dtype",
    [(torch.float32, torch.float64), (torch.float64, torch.float32), (torch.float32, torch.int64)],
)
def test_run_model_fixes_the_dtype_error(model_dtype, x_dtype, device):
    gen = torch.Generator().manual_seed(3)
    model = small_model(device, model_dtype).eval()
    x = (torch.randn(5, 4, generator=gen) * 3).to(device, x_dtype)
    with pytest.raises(RuntimeError):
        model(x)  # the failing snippet: "mat1 and mat2 must have the same dtype"
    what = f"run_model(model, x) for a {model_dtype} model and {x_dtype} x"
    got = call(
        "run_model",
        model,
        x,
        what=what,
        mistake="x not cast to the model's dtype: no cast, or a fixed cast such as "
        "x.float(); read the dtype from the model's parameters.",
    )
    if any(p.dtype != model_dtype for p in model.parameters()):
        raise AssertionError(
            f"{what} changed the model's dtype to {next(model.parameters()).dtype}; cast x, "
            f"not the model. Likely mistake: model.to(x) or model.to(x.dtype) moves and casts "
            f"the caller's model in place."
        )
    assert_tensor_close(got, model(x.to(model_dtype)), what=what)
    check_device_agnostic("run_model")


@pytest.mark.task(5)
def test_run_model_keeps_train_mode_and_the_graph(device):
    gen = torch.Generator().manual_seed(6)
    model = small_model(device)  # train mode: BatchNorm uses the batch's statistics
    reference = copy.deepcopy(model)
    x = (torch.randn(5, 4, generator=gen, dtype=torch.float64) * 3).to(device)
    what = "run_model(model, x) for a float32 model in train mode and a float64 x"
    got = call(
        "run_model",
        model,
        x,
        what=what,
        mistake="x not cast to the model's dtype (float32): x.to(dtype=p.dtype) for p = "
        "next(model.parameters()).",
    )
    if not model.training:
        raise AssertionError(
            f"{what} put the caller's model into eval mode. Likely mistake: model.eval() "
            f"inside run_model; a helper that fixes x must leave the model's mode alone."
        )
    if not isinstance(got, torch.Tensor) or got.grad_fn is None:
        raise AssertionError(
            f"{what} returned an output with no autograd graph, so a training loop built on "
            f"it gets no gradients. Likely mistake: torch.no_grad() or torch.inference_mode() "
            f"around the call; return model(x) as the model computes it."
        )
    assert_tensor_close(got, reference(x.float()), what=what)


@pytest.mark.task(5)
def test_run_model_fixes_the_device_error(device):
    gen = torch.Generator().manual_seed(4)
    if device.type == "cpu":  # the meta device stands in for a GPU
        model_device, x_device = META, device
    else:  # a real mismatch: the model on the GPU, x still on the CPU
        model_device, x_device = device, torch.device("cpu")
    model = small_model(model_device, norm=False).eval()
    x = torch.randn(5, 4, generator=gen, dtype=torch.float64).to(x_device)
    with pytest.raises(RuntimeError):
        model(x)  # the failing snippet: tensors on two devices
    what = f"run_model(model, x) for a model on {model_device} and a float64 x on {x_device}"
    got = call(
        "run_model",
        model,
        x,
        what=what,
        mistake="moving x to pick_device() or to a fixed device; move it to the device of "
        "the model's parameters.",
    )
    moved = {p.device for p in model.parameters()}
    if moved != {model_device}:
        raise AssertionError(
            f"{what} moved the caller's model to {moved}: model.to() works in place. Move x "
            f"to the model, not the model to x."
        )
    if not isinstance(got, torch.Tensor) or got.device != model_device or got.shape != (5, 2):
        raise AssertionError(
            f"{what} returned {got!r:.80}, expected a (5, 2) tensor on {model_device}."
        )
    if model_device != META:
        assert_tensor_close(got, model(x.to(model_device, torch.float32)), what=what)
    check_device_agnostic("run_model")


def target_mistake(err: str) -> str:
    """The likely mistake behind cross_entropy's complaint, read from its message."""
    if "but got Int" in err:
        return (
            "the targets reach cross_entropy as int32 (.int() makes int32, or they were "
            "passed on unconverted), but it wants int64 class indices: .long() or "
            "dtype=torch.long."
        )
    if "but got Float" in err or "but got Double" in err or "but got Half" in err:
        return (
            "the targets are still floating point (not converted, or targets.to(logits) / "
            ".type_as(logits), which cast them to the logits' dtype); class indices must be "
            "int64: .long()."
        )
    return "the targets must be int64 class indices on logits.device."


@pytest.mark.task(5)
@pytest.mark.parametrize("target_dtype", [torch.float32, torch.float64, torch.int32, torch.int64])
def test_classification_loss_fixes_the_target_dtype(target_dtype, device):
    gen = torch.Generator().manual_seed(5)
    logits = torch.randn(6, 4, generator=gen).to(device)
    labels = torch.randint(4, (6,), generator=gen).to(device)
    targets = labels.to(target_dtype)
    if target_dtype != torch.int64:
        with pytest.raises(RuntimeError, match="expected"):
            torch.nn.functional.cross_entropy(logits, targets)  # the failing snippet
    what = f"classification_loss(logits, targets) for {target_dtype} targets"
    got = call("classification_loss", logits, targets, what=what, mistake=target_mistake)
    assert_tensor_close(
        got,
        torch.nn.functional.cross_entropy(logits, labels),
        what=what,
        mistake="not the mean cross-entropy of the raw logits: F.nll_loss on logits without "
        "log_softmax, a softmax before F.cross_entropy (it applies log_softmax itself), or "
        "reduction='sum'.",
    )
    check_device_agnostic("classification_loss")


@pytest.mark.task(5)
def test_classification_loss_follows_logits_device(device):
    logits = torch.empty(3, 4, device=META)
    targets = torch.tensor([0.0, 3.0, 1.0], device=device)
    what = f"classification_loss(logits on meta, float targets on {device})"
    got = call(
        "classification_loss",
        logits,
        targets,
        what=what,
        mistake=".long() or .type(torch.long) fixes the dtype only; move the targets to "
        "logits.device as well.",
    )
    if not isinstance(got, torch.Tensor) or got.device != META or got.shape != ():
        raise AssertionError(f"{what} returned {got!r:.80}, expected a 0-d tensor on meta.")
