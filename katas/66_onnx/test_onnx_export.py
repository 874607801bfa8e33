"""Tests for kata 66: ONNX export (dynamo=True) checked by running the file in onnxruntime
at several batch sizes against the PyTorch model, and a custom op exported through its
onnxscript translation.

Exports are slow (a few seconds each on a laptop CPU): each implementation's export is made
once and shared by the tests that read it (cached by implementation, as kata 59 caches its
spawned ranks), and the tests that export carry the slow marker.
"""

import copy
import itertools
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata, load_path

kata = load_kata(__file__)

# onnxruntime against PyTorch in float32: different kernels, so a tolerance, stated here
# and in the README
RTOL, ATOL = 1e-4, 1e-5
BATCHES = (1, 4, 7)  # the example batch is 3: every one of these differs from it
EXAMPLE_BATCH = 3
_NAMESPACES = itertools.count()


@pytest.fixture
def ort_home(tmp_path, monkeypatch):
    """onnxruntime writes a device id under ~/.cache when first imported: keep it in tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory):
    """Where the shared exports go (pytest's own temporary directory)."""
    return tmp_path_factory.mktemp("onnx_exports")


# ----------------------------------------------------------------------------- models


class Classifier(nn.Module):
    """Dropout and BatchNorm: both behave differently in train mode."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3)
        )

    def forward(self, features):
        return self.net(features)


class Pooler(nn.Module):
    """Two inputs (int64 token ids and a float mask) and two outputs."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, tokens, mask):
        summed = (self.embed(tokens) * mask.unsqueeze(-1)).sum(1)
        pooled = summed / mask.sum(1, keepdim=True).clamp(min=1.0)
        return self.head(pooled), pooled


class SoftClipNet(nn.Module):
    """Calls a custom op by its qualified name, as a model file would."""

    def __init__(self, qualname):
        super().__init__()
        self.qualname = qualname
        self.lin = nn.Linear(5, 4)

    def forward(self, features):
        namespace, _, name = self.qualname.partition("::")
        op = getattr(getattr(torch.ops, namespace), name)
        return op(self.lin(features) * 3, 1.5) + 1


def make_classifier(device):
    torch.manual_seed(66)
    model = Classifier()
    with torch.no_grad():  # running statistics far from a batch's own
        model.net[1].running_mean.uniform_(-1, 1)
        model.net[1].running_var.uniform_(0.5, 3)
    return model.to(device).train()  # the caller's model is in train mode


def make_pooler(device):
    torch.manual_seed(67)
    return Pooler().to(device).eval()


def classifier_input(batch, device, seed=0):
    gen = torch.Generator().manual_seed(seed + batch)
    return (torch.randn(batch, 6, generator=gen) * 2).to(device)


def pooler_inputs(batch, device, seed=0):
    gen = torch.Generator().manual_seed(seed + batch)
    tokens = torch.randint(0, 20, (batch, 5), generator=gen).to(device)
    mask = (torch.rand(batch, 5, generator=gen) > 0.3).float().to(device)
    return tokens, mask


def reference_op(qualname):
    """The op of task 3, registered by the test, for task 4's export."""

    @torch.library.custom_op(qualname, mutates_args=())
    def soft_clip(x: torch.Tensor, limit: float) -> torch.Tensor:
        return limit * torch.tanh(x / limit)

    @soft_clip.register_fake
    def _(x, limit):
        return torch.empty_like(x)

    return soft_clip


def new_qualname():
    return f"kata66_{next(_NAMESPACES)}::soft_clip"


# ----------------------------------------------------------------------------- helpers


def impl_key(*names):
    """Which implementation each name resolves to, so that a cache entry is shared exactly by
    the implementations (the learner's, the solution, a mistake) that give the same function."""
    key = []
    for name in names:
        ref = kata.ref(name)
        own = ref.overlay is not None and name in vars(load_path(ref.overlay))
        key.append((str(ref.path), str(ref.overlay) if own else None, name))
    return tuple(key)


def describe_export_error(err, what):
    """A teaching message for the ways an export fails, or None."""
    cause = err.__cause__ or err
    text = str(cause)
    first = text.strip().splitlines()[0][:300] if text.strip() else type(cause).__name__
    if "top-level keys must be the arg names" in text:
        return (
            f"{what} failed in torch.export: {first} Likely mistake: dynamic_shapes keyed by "
            f"names of your choosing; its keys must be forward's argument names "
            f"(inspect.signature(model.forward).parameters)."
        )
    if "inferred a static shape" in text or "specialized" in text.lower():
        return (
            f"{what} failed in torch.export: {first} Likely mistake: a dynamic batch on some "
            f"inputs only; inputs that meet in one operation must agree, so give a dynamic "
            f"batch dimension ({{0: Dim.DYNAMIC}}) for every input."
        )
    if "fake" in text.lower() and "impl" in text.lower():
        return (
            f"{what} failed in torch.export: {first} Likely mistake: the custom op has no fake "
            f"implementation (op.register_fake), so it cannot be traced."
        )
    if "OpOverloadPacket" in text:
        return (
            f"{what} failed: {first} Likely mistake: custom_translation_table keyed by "
            f"torch.ops.<namespace>.<name> without .default."
        )
    if type(err).__name__ == "ConversionError":
        return (
            f"{what} failed to translate the graph into ONNX: {first} Likely mistake: no ONNX "
            f"translation for the custom op; custom_translation_table must map its OpOverload "
            f"torch.ops.<namespace>.<name>.default (not the CustomOpDef) to soft_clip_onnx."
        )
    return None


def learner_export(name, model, example, path, *extra):
    """Call kata.<name>(model, example, path, ...), with the usual failures explained."""
    __tracebackhide__ = True
    what = f"{name}(model, example of shapes {[tuple(t.shape) for t in example]}, path)"
    try:
        with warnings.catch_warnings():
            # torch's own note when one named Dim is shared by several inputs (legitimate);
            # every other warning stays an error
            warnings.filterwarnings("ignore", message="# The axis name")
            getattr(kata, name)(model, example, path, *extra)
    except UserWarning as warning:
        if "training mode" not in str(warning):
            raise
        raise AssertionError(
            f"{what}: torch.onnx warned 'Exporting a model while it is in training mode'. "
            f"Likely mistake: the model exported in train mode, so Dropout and BatchNorm "
            f"behave as in training; export a copy in eval mode (copy.deepcopy(model).eval())."
        ) from None
    except (RuntimeError, TypeError) as err:
        if isinstance(err, NotImplementedError):
            raise
        message = describe_export_error(err, what)
        if message is None:
            raise
        raise AssertionError(message) from err


def snapshot(model):
    return {
        "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "training": {n: m.training for n, m in model.named_modules()},
    }


def export_once(kind, name, export_dir, device):
    """The learner's export of one model kind, made once per implementation.

    Returns a dict: path, model, before/after snapshots of the caller's model, files in the
    export's folder, and the error if the export failed (re-raised by every test using it).
    """
    names = (name, "soft_clip_onnx") if kind == "softclip" else (name,)
    key = (kind, str(device), impl_key(*names))
    if key not in _EXPORTS:
        folder = export_dir / f"{kind}_{len(_EXPORTS)}"
        folder.mkdir()
        path = folder / f"{kind}.onnx"
        extra = ()
        if kind == "classifier":
            model, example = make_classifier(device), (classifier_input(EXAMPLE_BATCH, device),)
        elif kind == "pooler":
            model, example = make_pooler(device), pooler_inputs(EXAMPLE_BATCH, device)
        else:
            qualname = new_qualname()
            reference_op(qualname)
            torch.manual_seed(68)
            model = SoftClipNet(qualname).to(device).train()
            example = (torch.randn(EXAMPLE_BATCH, 5).to(device),)
            extra = (qualname,)
        entry = {"path": path, "model": model, "before": snapshot(model), "error": None}
        try:
            learner_export(name, model, example, path, *extra)
        except BaseException as err:  # NotImplementedError included: re-raised below
            entry["error"] = err
        entry["after"] = snapshot(model)
        entry["files"] = sorted(p.name for p in folder.iterdir())
        _EXPORTS[key] = entry
    entry = _EXPORTS[key]
    if entry["error"] is not None:
        raise entry["error"]
    return entry


_EXPORTS: dict = {}


def session_for(path):
    import onnxruntime

    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run_session(session, inputs, what):
    """Feed the graph by its own input names; explain a fixed batch dimension."""
    __tracebackhide__ = True
    graph_inputs = session.get_inputs()
    for graph_input, tensor in zip(graph_inputs, inputs, strict=True):
        first = graph_input.shape[0] if graph_input.shape else None
        if isinstance(first, int) and first != tensor.shape[0]:
            raise AssertionError(
                f"{what}: the ONNX graph's input '{graph_input.name}' has the fixed shape "
                f"{graph_input.shape}, so batch {tensor.shape[0]} cannot run. Likely mistake: "
                f"no dynamic batch dimension (dynamic_shapes={{name: {{0: Dim.DYNAMIC}}}} for "
                f"every input)."
            )
    feed = {g.name: t.detach().cpu().numpy() for g, t in zip(graph_inputs, inputs, strict=True)}
    return [torch.from_numpy(out) for out in session.run(None, feed)]


def check_outputs_at_batches(entry, make_inputs, device, what):
    __tracebackhide__ = True
    session = session_for(entry["path"])
    model = copy.deepcopy(entry["model"]).eval()
    for batch in BATCHES:
        inputs = make_inputs(batch, device, seed=100)
        got = run_session(session, inputs, f"{what}, run at batch {batch}")
        with torch.no_grad():
            expected = model(*inputs)
        expected = expected if isinstance(expected, tuple) else (expected,)
        if len(got) != len(expected):
            raise AssertionError(
                f"{what}: the ONNX graph has {len(got)} outputs; the model returns {len(expected)}."
            )
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_tensor_close(
                g,
                e.cpu(),
                what=f"{what}: output {i} from onnxruntime at batch {batch}, against the "
                f"PyTorch model in eval mode",
                rtol=RTOL,
                atol=ATOL,
                mistake="the model exported in train mode (dropout, BatchNorm batch statistics) "
                "or a different model exported.",
            )


def check_untouched(entry, what):
    __tracebackhide__ = True
    before, after = entry["before"], entry["after"]
    if after["training"] != before["training"]:
        raise AssertionError(
            f"{what} changed the caller's model: it was in train mode and is now in "
            f"{'train' if after['training'][''] else 'eval'} mode. Likely mistake: "
            f"model.eval() on the caller's model without restoring it; export "
            f"copy.deepcopy(model).eval()."
        )
    for name, value in before["state"].items():
        if not torch.equal(after["state"][name], value):
            raise AssertionError(
                f"{what} changed the caller's model: {name} differs from before the call, "
                f"expected it untouched. Likely mistake: the caller's model traced or edited "
                f"in place (a forward in train mode updates BatchNorm's running statistics); "
                f"export copy.deepcopy(model).eval()."
            )


def check_self_contained(entry, what):
    __tracebackhide__ = True
    import onnx

    if entry["files"] != [entry["path"].name]:
        raise AssertionError(
            f"{what} wrote {entry['files']} into an empty folder; expected only "
            f"{entry['path'].name}. Likely mistake: the default external_data=True keeps the "
            f"weights in a separate '.data' file: pass external_data=False."
        )
    onnx.checker.check_model(str(entry["path"]), full_check=True)


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.slow
def test_exported_classifier_matches_at_several_batch_sizes(ort_home, export_dir, device):
    entry = export_once("classifier", "export_onnx", export_dir, device)
    check_outputs_at_batches(
        entry, lambda b, d, seed: (classifier_input(b, d, seed),), device, "export_onnx(classifier)"
    )


@pytest.mark.task(1)
@pytest.mark.slow
def test_every_input_gets_a_dynamic_batch(ort_home, export_dir, device):
    entry = export_once("pooler", "export_onnx", export_dir, device)
    session = session_for(entry["path"])
    names = [i.name for i in session.get_inputs()]
    if names != ["tokens", "mask"]:
        raise AssertionError(
            f"export_onnx(pooler) gave a graph with inputs {names}; expected forward's "
            f"argument names ['tokens', 'mask']."
        )
    check_outputs_at_batches(entry, pooler_inputs, device, "export_onnx(pooler)")


@pytest.mark.task(1)
@pytest.mark.slow
def test_export_leaves_the_callers_model_as_it_was(ort_home, export_dir, device):
    entry = export_once("classifier", "export_onnx", export_dir, device)
    check_untouched(entry, "export_onnx(model in train mode, ...)")


@pytest.mark.task(1)
@pytest.mark.slow
def test_export_writes_one_valid_self_contained_file(ort_home, export_dir, device):
    entry = export_once("classifier", "export_onnx", export_dir, device)
    check_self_contained(entry, "export_onnx(classifier, example, folder / 'classifier.onnx')")


# ----------------------------------------------------------------------------- task 2


_REFERENCE_EXPORT: dict = {}


def reference_pooler_file(export_dir):
    """The test's own export of Pooler (on the CPU), made once: task 2 reads it."""
    if "path" not in _REFERENCE_EXPORT:
        path = export_dir / "reference_pooler.onnx"
        model = make_pooler("cpu")
        torch.onnx.export(
            model,
            pooler_inputs(EXAMPLE_BATCH, "cpu"),
            path,
            dynamo=True,
            dynamic_shapes={name: {0: torch.export.Dim.DYNAMIC} for name in ("tokens", "mask")},
            external_data=False,
            verbose=False,
        )
        _REFERENCE_EXPORT.update(path=path, model=model)
    return _REFERENCE_EXPORT["path"], _REFERENCE_EXPORT["model"]


def call_predict(path, *inputs, what):
    __tracebackhide__ = True
    try:
        return kata.onnx_predict(path, *inputs)
    except NotImplementedError:
        raise
    except Exception as err:
        text = str(err)
        if "input name" in text.lower() or "required inputs" in text.lower():
            why = (
                "inputs fed under names of your choosing; take them from the graph: "
                "[i.name for i in session.get_inputs()]."
            )
        elif "data type" in text.lower():
            why = "a dtype changed on the way (int64 token ids must stay int64: no .float())."
        elif "requires grad" in text:
            why = "numpy() on a tensor that requires grad: .detach() first."
        else:
            raise
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {text[:300]}. Likely mistake: {why}"
        ) from err


def check_predictions(got, inputs, model, what, device):
    __tracebackhide__ = True
    if not isinstance(got, list) or not all(isinstance(t, torch.Tensor) for t in got):
        kinds = [type(t).__name__ for t in got] if isinstance(got, list | tuple) else type(got)
        raise AssertionError(
            f"{what} returned {type(got).__name__} of {kinds}; expected a list of torch "
            f"tensors, one per graph output (torch.from_numpy on each)."
        )
    with torch.no_grad():
        expected = model(*[t.detach().cpu() for t in inputs])
    if len(got) != len(expected):
        raise AssertionError(
            f"{what} returned {len(got)} outputs; the graph has {len(expected)} (scores and "
            f"pooled). Likely mistake: "
            + (
                "only the first output of session.run kept."
                if len(got) == 1
                else "outputs other than session.run's (one tensor per graph output)."
            )
        )
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if g.device.type != device.type:
            raise AssertionError(
                f"{what}: output {i} is on {g.device}; expected the inputs' device {device}."
            )
        assert_tensor_close(
            g.cpu(), e, what=f"{what}: output {i}", rtol=RTOL, atol=ATOL, check_device=False
        )


@pytest.mark.task(2)
@pytest.mark.slow
def test_predict_feeds_the_graph_by_its_input_names(ort_home, export_dir, device):
    path, model = reference_pooler_file(export_dir)
    for batch in (1, 5):
        inputs = pooler_inputs(batch, device, seed=7)
        what = (
            f"onnx_predict(path, tokens {tuple(inputs[0].shape)} int64, mask "
            f"{tuple(inputs[1].shape)} float32) for a graph with inputs 'tokens' and 'mask'"
        )
        got = call_predict(path, *inputs, what=what)
        check_predictions(got, inputs, model, what, device)


@pytest.mark.task(2)
@pytest.mark.slow
def test_predict_takes_grad_and_strided_inputs_and_leaves_them_alone(ort_home, export_dir, device):
    path, model = reference_pooler_file(export_dir)
    tokens, mask = pooler_inputs(4, device, seed=8)
    tokens = tokens.T.contiguous().T  # strides (1, 4): not contiguous
    mask = mask.clone().requires_grad_(True)
    before = (tokens.clone(), mask.detach().clone())
    what = "onnx_predict(path, tokens (not contiguous), mask (requires grad))"
    got = call_predict(path, tokens, mask, what=what)
    check_predictions(got, (tokens, mask), model, what, device)
    if not (torch.equal(tokens, before[0]) and torch.equal(mask.detach(), before[1])):
        changed = [
            name
            for name, t, old in (("tokens", tokens, before[0]), ("mask", mask.detach(), before[1]))
            if not torch.equal(t, old)
        ]
        raise AssertionError(
            f"{what} changed the caller's {' and '.join(changed)}; expected them untouched. "
            f"Likely mistake: an in-place op (a cast or .numpy() buffer written into) on an "
            f"input; convert copies."
        )
    if not mask.requires_grad or mask.grad is not None:
        raise AssertionError(
            f"{what} changed the caller's mask: requires_grad is now {mask.requires_grad}, "
            f".grad is {'None' if mask.grad is None else 'set'}; expected requires_grad True "
            f"and no .grad. Likely mistake: mask.requires_grad_(False) (or a backward) on the "
            f"caller's tensor instead of mask.detach()."
        )


@pytest.mark.task(2)
@pytest.mark.slow
def test_predict_raises_value_error_for_the_wrong_number_of_inputs(ort_home, export_dir, device):
    path, _ = reference_pooler_file(export_dir)
    tokens, mask = pooler_inputs(2, device)
    for label, inputs in (("one input", (tokens,)), ("three inputs", (tokens, mask, mask))):
        try:
            kata.onnx_predict(path, *inputs)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as err:
            raise AssertionError(
                f"onnx_predict(path, {label}) for a graph of two inputs raised "
                f"{type(err).__name__}: {str(err)[:200]}; expected ValueError saying how many "
                f"inputs the graph takes."
            ) from err
        raise AssertionError(
            f"onnx_predict(path, {label}) for a graph of two inputs raised nothing; expected "
            f"ValueError (zip() silently drops the extra tensor or the missing input)."
        )


# ----------------------------------------------------------------------------- task 3


def soft_clip_reference(x, limit):
    return limit * torch.tanh(x / limit)


@pytest.mark.task(3)
def test_soft_clip_op_computes_the_formula(device):
    op = kata.register_soft_clip(new_qualname())
    gen = torch.Generator().manual_seed(3)
    for dtype, limit in ((torch.float32, 1.5), (torch.float64, 0.25), (torch.float32, 40.0)):
        x = (torch.randn(4, 6, generator=gen, dtype=dtype) * 20).to(device)
        before = x.clone()
        got = op(x, limit)
        assert_tensor_close(
            got,
            soft_clip_reference(x, limit),
            what=f"soft_clip(x of shape (4, 6) {dtype}, limit={limit})",
            mistake="soft_clip(x, limit) = limit * tanh(x / limit): divide inside the tanh, "
            "multiply outside.",
        )
        if not torch.equal(x, before):
            raise AssertionError(
                f"soft_clip(x, {limit}) changed its input x. Likely mistake: in-place ops "
                f"(div_, tanh_) in an op declared mutates_args=()."
            )


@pytest.mark.task(3)
def test_soft_clip_op_passes_opcheck(device):
    op = kata.register_soft_clip(new_qualname())
    x = torch.randn(3, 5, generator=torch.Generator().manual_seed(4)).to(device)
    result = torch.library.opcheck(
        op, (x, 2.0), test_utils=("test_schema", "test_faketensor"), raise_exception=False
    )
    for check, outcome in result.items():
        if outcome != "SUCCESS":
            hint = (
                "register a fake implementation with @op.register_fake (an empty tensor like x)"
                if "fake impl" in str(outcome)
                else "the op must return a new tensor and leave x alone (mutates_args=() is a "
                "promise: no in-place ops on x, no returning x itself)"
            )
            raise AssertionError(
                f"torch.library.opcheck(soft_clip, (x (3, 5), 2.0)) failed {check}: "
                f"{str(outcome)[:300]}. Likely mistake: {hint}."
            )


@pytest.mark.task(3)
def test_translation_computes_soft_clip_in_onnxscript(ort_home):
    from onnxscript import tensor as onnxscript_tensor

    gen = np.random.default_rng(5)
    for limit in (1.5, 0.3):
        x = (gen.standard_normal((3, 4)) * 5).astype(np.float32)
        # onnxscript's eager mode runs each ONNX operator on NumPy data
        got = kata.soft_clip_onnx(onnxscript_tensor.Tensor(x), limit)
        value = getattr(got, "value", got)
        assert_tensor_close(
            torch.as_tensor(np.asarray(value)),
            soft_clip_reference(torch.from_numpy(x), limit),
            what=f"soft_clip_onnx(x (3, 4), {limit}) in onnxscript's eager mode",
            rtol=RTOL,
            atol=ATOL,
            mistake="op.Mul(op.Tanh(op.Div(x, limit)), limit): the division inside the tanh.",
        )


# ----------------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.slow
def test_custom_op_model_runs_in_onnxruntime(ort_home, export_dir, device):
    import onnx

    entry = export_once("softclip", "export_soft_clip_model", export_dir, device)
    graph = onnx.load(str(entry["path"])).graph
    custom = sorted(
        {f"{n.domain}::{n.op_type}" for n in graph.node if n.domain not in ("", "ai.onnx")}
    )
    if custom:
        raise AssertionError(
            f"export_soft_clip_model wrote nodes of non-standard domains {custom}: onnxruntime "
            f"has no kernel for them. Likely mistake: the custom op exported as itself; "
            f"translate it with custom_translation_table."
        )
    if "Tanh" not in {n.op_type for n in graph.node}:
        raise AssertionError(
            "export_soft_clip_model's graph has no Tanh node: soft_clip was not translated "
            "with soft_clip_onnx."
        )
    check_outputs_at_batches(
        entry,
        lambda b, d, seed: (
            torch.randn(b, 5, generator=torch.Generator().manual_seed(seed + b)).to(d),
        ),
        device,
        "export_soft_clip_model(SoftClipNet)",
    )


@pytest.mark.task(4)
@pytest.mark.slow
def test_custom_op_export_leaves_the_model_alone_in_one_file(ort_home, export_dir, device):
    entry = export_once("softclip", "export_soft_clip_model", export_dir, device)
    check_untouched(entry, "export_soft_clip_model(model in train mode, ...)")
    check_self_contained(entry, "export_soft_clip_model(...)")
