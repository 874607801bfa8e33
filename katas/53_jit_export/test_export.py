"""Tests for kata 53: a Gate with torch.cond, exported with a dynamic batch, saved, reloaded.

The oracle is the Gate's own submodules run with a plain Python `if` (reference below), in
eval mode. Exporting costs about a second (the first one several, while torch imports its
compiler), so one exported program per implementation serves several tests (_programs).
"""

import contextlib
import io
import logging
import pickle

import pytest
import torch
import torch.export
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

DIM = 5
BATCHES = [1, 2, 3, 17]  # the example has batch 4: all of these are other sizes
EXACT = {"rtol": 1e-6, "atol": 1e-6}  # the same float32 ops; export may fuse a little

# torch 2.14's torch.cond traces its branches with dynamo, which reads .grad of a non-leaf
# tensor: torch warns from its own code, and under filterwarnings=error dynamo turns that
# into an InternalTorchDynamoError. Nothing a learner writes causes or silences it.
torch_cond_warning = pytest.mark.filterwarnings(
    "ignore:The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"
)

_programs: dict[tuple, object] = {}  # (implementation refs, device) -> the exported program


@pytest.fixture(autouse=True)
def quiet_torch_trace(caplog):
    # torch's structured-trace logger records pages of DEBUG payloads per export, which
    # pytest would print under every failure: keep it quiet during these tests
    caplog.set_level(logging.WARNING, logger="torch.__trace")


# ----------------------------------------------------------------------------- helpers


def make_gate(seed: int, device, p_drop: float = 0.5) -> nn.Module:
    """A Gate with random weights and random batch-norm statistics, in training mode."""
    gate = kata.Gate(DIM, p_drop)
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, value in gate.state_dict().items():
        if key.endswith("running_var"):
            state[key] = torch.rand(value.shape, generator=gen) + 0.5
        elif key.endswith("num_batches_tracked"):
            state[key] = value
        else:
            state[key] = torch.randn(value.shape, generator=gen) * 0.7
    gate.load_state_dict(state)
    return gate.to(device).train()


def reference(gate: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """What the Gate computes, with a Python `if` (fine in eager mode), and the branch."""
    h = gate.drop(gate.norm(x))
    high = bool(h.mean() > 0)
    return (gate.high(h) if high else gate.low(h)), high


def branch_inputs(gate: nn.Module, batch: int, seed: int, device) -> dict[bool, torch.Tensor]:
    """An input that takes the high branch and one that takes the low branch (eval mode)."""
    gen = torch.Generator().manual_seed(seed)
    found: dict[bool, torch.Tensor] = {}
    was_training = gate.training
    gate.eval()
    with torch.no_grad():
        for shift in (0.0, 3.0, -3.0, 8.0, -8.0, 20.0, -20.0):
            x = (torch.randn(batch, DIM, generator=gen) + shift).to(device)
            found.setdefault(reference(gate, x)[1], x)
            if len(found) == 2:
                break
    gate.train(was_training)
    if len(found) != 2:
        raise RuntimeError("test problem: could not find inputs for both branches")
    return found


def export_error_summary(err: BaseException) -> str:
    """The error's first line and the user code it points at (torch's message is pages)."""
    lines = [ln.strip() for ln in str(err).splitlines()]
    summary = f"{type(err).__name__}: {lines[0][:160] if lines else ''}"
    if "The following call raised this error:" in lines:
        at = [ln for ln in lines[lines.index("The following call raised this error:") + 1 :]]
        summary += " at " + " ".join(ln for ln in at[:2] if ln)
    return summary


def run_export(fn, *args):
    """Call an export; torch prints the partial graph to stderr when it fails: hide it."""
    with contextlib.redirect_stderr(io.StringIO()):
        return fn(*args)


def describe_export_error(err: BaseException) -> str:
    text = str(err)
    if "data-dependent" in text or "GuardOnDataDependent" in type(err).__name__:
        return (
            "a Python `if` on a tensor's value in forward: export cannot decide it while "
            "tracing. Use torch.cond(h.mean() > 0, self.high, self.low, (h,))."
        )
    if "specialized" in text or "Constraints violated" in text:
        return "a dynamic dimension whose example size is 1 (export specialises sizes 0 and 1)."
    return "see the error above."


def exported(device):
    """kata.export_gate(gate, example) for the test Gate, once per implementation."""
    __tracebackhide__ = True
    key = (kata.ref("export_gate"), kata.ref("Gate"), str(device))
    if key not in _programs:
        gate = make_gate(0, device)
        example = branch_inputs(gate, 4, 0, device)[True]
        try:
            program = run_export(kata.export_gate, gate, example)
        except NotImplementedError:
            raise
        except Exception as err:
            raise AssertionError(
                f"export_gate(gate, example of shape {tuple(example.shape)}) raised "
                f"{export_error_summary(err)}. Likely mistake: {describe_export_error(err)}"
            ) from None  # torch's own traceback is pages of its internals
        if not isinstance(program, torch.export.ExportedProgram):
            raise AssertionError(
                f"export_gate returned {type(program).__name__}; expected the ExportedProgram "
                f"that torch.export.export returns."
            )
        _programs[key] = (gate, program)
    return _programs[key]


def run_program(module, x, what):
    """Call an exported module; a failed shape guard gets a teaching message."""
    __tracebackhide__ = True
    try:
        return module(x)
    except (AssertionError, RuntimeError) as err:
        if isinstance(err, NotImplementedError) or "Guard failed" not in str(err):
            raise
        raise AssertionError(
            f"{what} failed: {str(err).splitlines()[0]}. Likely mistake: exported without "
            f"dynamic_shapes, so the batch size was fixed to the example's; mark dimension 0 "
            f"dynamic with torch.export.Dim (dynamic_shapes=({{0: Dim('batch')}},)); or a Dim "
            f"with a min or max that leaves this batch size out."
        ) from None


def program_mistake(got, gate, x, high: bool) -> str:
    """Which wrong program the output matches: one with the branches swapped, or one with
    batch norm on the batch's own statistics (exported in training mode)."""
    with torch.no_grad():
        swapped = (gate.low if high else gate.high)(gate.norm(x))
        if x.shape[0] > 1:
            h = F.batch_norm(
                x, None, None, gate.norm.weight, gate.norm.bias, training=True,
                eps=gate.norm.eps,
            )  # fmt: skip
            batch_stats = [gate.high(h), gate.low(h)]
        else:
            batch_stats = []

    def near(t):
        return got.shape == t.shape and torch.allclose(got, t, **EXACT)

    if near(swapped):
        return "the branches swapped: high(h) when h.mean() > 0, else low(h)."
    if any(near(t) for t in batch_stats):
        return (
            "exported in training mode (batch norm on batch statistics: call model.eval() "
            "before export)."
        )
    return (
        "exported in training mode (batch norm on batch statistics: call model.eval() "
        "before export), or the branches swapped."
    )


def check_program(program_module, gate, what):
    """The program equals the eval-mode reference at every batch size, on both branches."""
    __tracebackhide__ = True
    gate.eval()
    for batch in BATCHES:
        for high, x in branch_inputs(gate, batch, 100 + batch, x_device(gate)).items():
            label = f"{what} on a batch of {batch} taking the {'high' if high else 'low'} branch"
            with torch.no_grad():
                expected, _ = reference(gate, x)
                got = run_program(program_module, x, label)
                again = run_program(program_module, x, label)
            if not torch.equal(got, again):
                raise AssertionError(
                    f"{label}: two calls on the same input gave different outputs: dropout is "
                    f"still active in the program. Likely mistake: the model was exported in "
                    f"training mode; call model.eval() before torch.export.export."
                )
            close = got.shape == expected.shape and torch.allclose(got, expected, **EXACT)
            assert_tensor_close(
                got,
                expected,
                what=label,
                **EXACT,
                mistake="" if close else program_mistake(got, gate, x, high),
            )


def x_device(gate) -> torch.device:
    return next(gate.parameters()).device


def cond_nodes(program) -> int:
    return sum(
        1
        for node in program.graph.nodes
        if node.op == "call_function" and "cond" in str(getattr(node.target, "__name__", ""))
    )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_gate_has_the_named_submodules():
    gate = kata.Gate(7, 0.3)
    expected = {"norm": nn.BatchNorm1d, "drop": nn.Dropout, "high": nn.Linear, "low": nn.Linear}
    children = dict(gate.named_children())
    for name, cls in expected.items():
        child = children.get(name)
        if not isinstance(child, cls):
            raise AssertionError(
                f"Gate(7, 0.3).{name} is {type(child).__name__}; expected an {cls.__name__}. "
                f"Its children are {list(children)}."
            )
    if gate.drop.p != 0.3 or gate.norm.num_features != 7 or gate.high.in_features != 7:
        raise AssertionError(
            f"Gate(7, 0.3): dropout p={gate.drop.p}, norm features={gate.norm.num_features}, "
            f"high {gate.high}; expected 0.3, 7 and Linear(7, 7)."
        )


@pytest.mark.task(1)
@torch_cond_warning
def test_gate_takes_the_branch_the_batch_mean_picks(device):
    for seed in range(1):
        gate = make_gate(seed, device).eval()
        for batch in (1, 6):
            for high, x in branch_inputs(gate, batch, seed, device).items():
                what = (
                    f"Gate(...).eval()(x of shape {tuple(x.shape)}), where h.mean() is "
                    f"{'> 0' if high else '<= 0'}"
                )
                expected, _ = reference(gate, x)
                got = gate(x)
                with torch.no_grad():  # the other branch: does the answer match it exactly?
                    h = gate.drop(gate.norm(x))
                    other = (gate.low if high else gate.high)(h)
                swapped = isinstance(got, torch.Tensor) and got.shape == other.shape
                swapped = swapped and torch.allclose(got, other, **EXACT)
                assert_tensor_close(
                    got,
                    expected,
                    what=what,
                    **EXACT,
                    mistake="the branches swapped: the output is the other branch's, "
                    "high(h) when h.mean() > 0, else low(h), with h = drop(norm(x))."
                    if swapped
                    else "high(h) when h.mean() > 0, else low(h), with h = drop(norm(x)): "
                    "the branches swapped, the condition on x instead of h, or chosen per "
                    "sample instead of once for the batch.",
                )


@pytest.mark.task(1)
@torch_cond_warning
def test_gate_in_training_mode_uses_dropout_and_batch_statistics(device):
    gate = make_gate(3, device)  # training mode
    x = branch_inputs(gate, 8, 3, device)[True]
    torch.manual_seed(7)
    expected, _ = reference(gate, x)
    torch.manual_seed(7)  # the same dropout mask; batch norm uses this batch's statistics
    got = gate(x)
    assert_tensor_close(
        got,
        expected,
        what="Gate(...) in training mode after torch.manual_seed(7)",
        **EXACT,
        mistake="a forward that ignores training mode (dropout or batch norm fixed to eval), "
        "or dropout applied elsewhere than on norm(x).",
    )


@pytest.mark.task(1)
@torch_cond_warning
def test_gate_exports_with_both_branches_in_the_graph(device):
    gate = make_gate(4, device).eval()
    x = branch_inputs(gate, 4, 4, device)[True]
    what = "torch.export.export(Gate(...).eval(), (x,))"
    try:
        program = run_export(torch.export.export, gate, (x,))
    except Exception as err:
        if isinstance(err, NotImplementedError):
            raise
        raise AssertionError(
            f"{what} raised {export_error_summary(err)}. Likely mistake: "
            f"{describe_export_error(err)}"
        ) from None  # torch's own traceback is pages of its internals
    if cond_nodes(program) != 1:
        raise AssertionError(
            f"{what}: the exported graph has {cond_nodes(program)} torch.cond nodes; expected "
            f"1. Likely mistake: "
            + (
                "torch.where(h.mean() > 0, high(h), low(h)) computes both branches every "
                "time; torch.cond runs only the chosen one."
                if cond_nodes(program) == 0
                else "more than one torch.cond (one per branch, or one per sample): one "
                "torch.cond on h.mean() > 0 picks the branch for the whole batch."
            )
        )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@torch_cond_warning
def test_exported_program_is_right_on_both_branches_at_other_batch_sizes(device):
    gate, program = exported(device)
    check_program(program.module(), gate, "export_gate(gate, example of batch 4).module()")


@pytest.mark.task(2)
@torch_cond_warning
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_export_leaves_the_callers_model_as_it_was(mode, device):
    gate = make_gate(5, device).train(mode == "train")
    before = {k: v.clone() for k, v in gate.state_dict().items()}
    example = branch_inputs(gate, 4, 5, device)[False]
    kata.export_gate(gate, example)
    if gate.training != (mode == "train"):
        raise AssertionError(
            f"export_gate(gate in {mode} mode, example) left the gate in "
            f"{'training' if gate.training else 'eval'} mode. Likely mistake: model.eval() "
            f"without restoring the caller's training mode afterwards (model.train(was_training))."
        )
    for key, value in gate.state_dict().items():
        assert_tensor_close(
            value,
            before[key],
            what=f"export_gate(...): the gate's {key} afterwards",
            rtol=0,
            atol=0,
            mistake="a forward of the caller's gate in training mode before export (it "
            "updates batch norm's running statistics), or an in-place change to its weights.",
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("batch", [1, 0])
def test_an_example_batch_below_two_is_a_value_error(batch, device):
    gate = make_gate(6, device)
    example = torch.randn(batch, DIM, device=device)
    what = f"export_gate(gate, example of shape ({batch}, {DIM}))"
    try:
        kata.export_gate(gate, example)
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as err:
        raise AssertionError(
            f"{what} raised {type(err).__name__} ({str(err).splitlines()[0][:120]}); expected "
            f"ValueError. Likely mistake: no check that the example batch is at least 2: "
            f"export specialises a size-1 dimension, so the batch cannot be dynamic."
        ) from err
    raise AssertionError(
        f"{what} returned; expected ValueError (the batch must be at least 2). Likely mistake: "
        f"no check that the example batch is at least 2."
    )


@pytest.mark.task(2)
@torch_cond_warning
@pytest.mark.filterwarnings("ignore:`torch.jit.trace` is deprecated:FutureWarning")
@pytest.mark.filterwarnings("ignore:`torch.jit.trace_method` is deprecated:FutureWarning")
@pytest.mark.filterwarnings("ignore:Converting a tensor to a Python boolean")
def test_trace_freezes_one_branch_where_export_keeps_both(device):
    """torch.jit.trace (deprecated, hence the exempted FutureWarnings and its TracerWarning)
    records the ops one input ran: the Python `if` becomes a constant."""

    class IfGate(nn.Module):  # the same Gate written with a Python `if`, as code once was
        def __init__(self, gate):
            super().__init__()
            self.gate = gate

        def forward(self, x):
            return reference(self.gate, x)[0]

    gate, program = exported(device)
    gate.eval()
    inputs = branch_inputs(gate, 4, 9, device)
    traced = torch.jit.trace(IfGate(gate).eval(), inputs[True])  # traced on the high branch
    low_x = inputs[False]
    with torch.no_grad():
        expected, _ = reference(gate, low_x)
        frozen = gate.high(gate.drop(gate.norm(low_x)))
        got_traced = traced(low_x)
        got_exported = run_program(program.module(), low_x, "the exported program")
    if not torch.allclose(got_traced, frozen) or torch.allclose(got_traced, expected):
        raise RuntimeError("test problem: torch.jit.trace did not freeze the branch")
    assert_tensor_close(
        got_exported,
        expected,
        what="export_gate(gate, a high-branch example).module()(an input taking the low branch)",
        **EXACT,
        mistake="the program kept only the example's branch, as torch.jit.trace does: write "
        "the branch with torch.cond.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@torch_cond_warning
@pytest.mark.parametrize("as_string", [False, True], ids=["Path", "str"])
def test_saved_file_is_read_by_torch_export_load(as_string, device, tmp_path):
    gate, program = exported(device)
    path = tmp_path / "gate.pt2"
    kata.save_exported(program, str(path) if as_string else path)
    if not path.is_file():
        raise AssertionError(
            f"save_exported(program, {path.name!r}) wrote no file there; expected the archive "
            f"at exactly that path. Likely mistake: a file name or suffix of your own, or no "
            f"save at all."
        )
    try:
        loaded = torch.export.load(path)
    except (RuntimeError, pickle.UnpicklingError) as err:
        raise AssertionError(
            f"torch.export.load could not read the file save_exported wrote: "
            f"{str(err).splitlines()[0][:120]}. Likely mistake: saving with torch.save, which "
            f"pickles the Python object; use torch.export.save(program, path)."
        ) from err
    check_program(loaded.module(), gate, "torch.export.load(the saved file).module()")


@pytest.mark.task(3)
@torch_cond_warning
def test_load_reads_what_torch_export_save_wrote(device, tmp_path):
    gate, program = exported(device)
    path = tmp_path / "gate.pt2"
    torch.export.save(program, path)
    what = "load_exported(a file written by torch.export.save)"
    try:
        loaded = kata.load_exported(path)
    except (RuntimeError, pickle.UnpicklingError) as err:
        if isinstance(err, NotImplementedError):
            raise
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {str(err).splitlines()[0][:120]}. Likely "
            f"mistake: reading it with torch.load; a .pt2 archive is read by "
            f"torch.export.load(path)."
        ) from err
    if not isinstance(loaded, torch.export.ExportedProgram):
        raise AssertionError(
            f"{what} returned {type(loaded).__name__}, not an ExportedProgram. Likely mistake: "
            f"returning loaded.module() (or something else) instead of what torch.export.load "
            f"returns."
        )
    check_program(loaded.module(), gate, f"{what}.module()")


@pytest.mark.task(3)
@torch_cond_warning
def test_round_trip_keeps_the_dynamic_batch(device, tmp_path):
    gate, program = exported(device)
    path = tmp_path / "nested" / "gate.pt2"
    path.parent.mkdir()
    kata.save_exported(program, path)
    loaded = kata.load_exported(path)
    ranges = [str(r) for r in loaded.range_constraints.values()]
    if ranges != [str(r) for r in program.range_constraints.values()]:
        raise AssertionError(
            f"after save_exported / load_exported the batch range is "
            f"{list(loaded.range_constraints.values())}, expected "
            f"{list(program.range_constraints.values())}. Likely mistake: a program exported "
            f"again (with other shapes) instead of the one saved."
        )
    gate.eval()
    x = branch_inputs(gate, 9, 11, device)[False]
    with torch.no_grad():
        assert_tensor_close(
            run_program(loaded.module(), x, "the reloaded program at batch 9"),
            program.module()(x),
            what="the reloaded program at batch 9 vs the program before saving",
            rtol=0,
            atol=0,
        )
