"""Tests for kata 52: graph breaks found with torch._dynamo.explain, a planted function
rewritten to compile as one graph, and a compiled model.

Graph breaks are checked with backend="eager" / "aot_eager" (seconds); the one test that
runs inductor, TorchInductor's C++/Triton code generation, is marked slow: cold, it
compiles for 20-70 s, then hits the cache in .cache/inductor. Dynamo is reset around
every test, because a cached compilation would hide a fullgraph=True failure.
"""

import contextlib
import logging
import warnings

import pytest
import torch
import torch._dynamo
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)


@pytest.fixture(autouse=True)
def fresh_dynamo(caplog):
    # torch's structured-trace logger records pages of DEBUG payloads per compile, which
    # pytest would print under every failure: keep it quiet during these tests
    caplog.set_level(logging.WARNING, logger="torch.__trace")
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def raw(name: str):
    """The learner's function itself, to hand to dynamo (not a wrapper around it)."""
    return kata.ref(name).resolve()


@contextlib.contextmanager
def no_warnings(what: str):
    """Warnings raised by the learner's code fail with a message that names them."""
    __tracebackhide__ = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    if caught:
        text = "; ".join(f"{w.category.__name__}: {w.message}" for w in caught)
        why = (
            "call it as torch._dynamo.explain(fn)(*args); explain(fn, *args) is deprecated."
            if "explain(f, *args, **kwargs) is deprecated" in text
            else "see the warning's text."
        )
        raise AssertionError(f"{what} raised a warning: {text[:300]}. Likely mistake: {why}")


# ----------------------------------------------------------------------------- task 1
# functions with known graph breaks; the oracle is torch._dynamo.explain itself


def planted(x):
    """The same code as _with_graph_breaks in the kata's module (the oracle for task 2)."""
    scale = x.abs().max().item()
    y = x / (scale + 1e-6)
    if y.sum() > 0:
        y = y * 2
    else:
        y = y - 1
    positive = y[y > 0]
    print("positive entries:", positive.numel())
    return y + positive.sum()


def _helper(y):
    return y * y.sum().item()  # the break is here, one frame below calls_helper


def calls_helper(x):
    return _helper(x.sin()).cos()


def two_args(x, w):
    h = x @ w
    if h.mean() > 0:
        h = h.relu()
    return h.sum(0)


def clean(x, w):
    return torch.tanh(x @ w).sum(0)


def explained(fn, *args) -> tuple[int, list[tuple[str, int]]]:
    e = torch._dynamo.explain(fn)(*args)
    return e.graph_break_count, [
        (r.reason.splitlines()[0], r.user_stack[-1].lineno) for r in e.break_reasons
    ]


def call_graph_breaks(fn, *args):
    __tracebackhide__ = True
    shapes = ", ".join(str(tuple(a.shape)) for a in args)
    what = f"graph_breaks({fn.__name__}, {shapes})"
    with no_warnings(what):
        got = kata.graph_breaks(fn, *args)
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], list)):
        raise AssertionError(f"{what} returned {got!r}; expected (count, [(reason, line), ...]).")
    return what, got


def gen_args(seed: int, device):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(4, 5, generator=gen).to(device)


@pytest.mark.task(1)
def test_counts_the_graph_breaks_of_the_planted_function(device):
    x = gen_args(1, device)
    expected = explained(planted, x)
    what, (count, _) = call_graph_breaks(planted, x)
    if count != expected[0]:
        hint = (
            "returning graph_count (the number of graphs is one more than the number of "
            "breaks between them); use graph_break_count."
            if count == expected[0] + 1
            else "count with torch._dynamo.explain(fn)(*args).graph_break_count."
        )
        raise AssertionError(
            f"{what} counted {count} graph breaks; explain reports {expected[0]}. Likely "
            f"mistake: {hint}"
        )
    if expected[0] != 3 or "item()" not in expected[1][0][0]:
        raise RuntimeError(f"test problem: torch's explain changed: {expected}")


@pytest.mark.task(1)
@pytest.mark.parametrize("name", ["planted", "calls_helper", "two_args", "clean"])
def test_reports_each_reason_and_its_line(name, device):
    fn = {"planted": planted, "calls_helper": calls_helper, "two_args": two_args, "clean": clean}[
        name
    ]
    x = gen_args(2, device)
    args = (x,) if fn in (planted, calls_helper) else (x, gen_args(3, device).T.contiguous())
    expected = explained(fn, *args)
    what, (count, reasons) = call_graph_breaks(fn, *args)
    got = [tuple(r) for r in reasons]
    if got == expected[1] and count == expected[0]:
        return
    hint = "one (first line of .reason, user_stack[-1].lineno) per entry of break_reasons."
    if len(got) == len(expected[1]) and [r for r, _ in got] == [r for r, _ in expected[1]]:
        hint = (
            "the line of the outermost frame (user_stack[0]); the break happens in the "
            "innermost frame, user_stack[-1], the line that the graph could not trace."
        )
    elif len(got) == len(expected[1]):
        hint = "the whole .reason text, or another field; keep its first line only."
    raise AssertionError(
        f"{what} returned count {count} and reasons {got}; explain gives {expected[0]} and "
        f"{expected[1]}. Likely mistake: {hint}"
    )


@pytest.mark.task(1)
def test_leaves_the_arguments_alone(device):
    x = gen_args(4, device)
    w = gen_args(5, device).T.contiguous()
    saved = (x.clone(), w.clone())
    what, _ = call_graph_breaks(two_args, x, w)
    for name, t, s in (("x", x, saved[0]), ("w", w, saved[1])):
        assert_tensor_close(t, s, what=f"{what}: {name} afterwards", rtol=0, atol=0)


# ----------------------------------------------------------------------------- task 2


def score_inputs(device):
    """Random scores of several shapes and dtypes, plus the edge cases."""
    gen = torch.Generator().manual_seed(52)
    cases = []
    for shape in [(4, 5), (1, 1), (3, 7), (2, 16)]:
        for dtype in (torch.float32, torch.float64):
            cases.append((f"randn{shape} {dtype}", torch.randn(shape, generator=gen, dtype=dtype)))
    cases += [
        ("a transposed (non-contiguous) (5, 3)", torch.randn(3, 5, generator=gen).T),
        ("all negative (3, 4)", -torch.rand(3, 4, generator=gen) - 0.1),
        ("all positive (3, 4)", torch.rand(3, 4, generator=gen) + 0.1),
        ("all zero (2, 3): the sum is exactly 0", torch.zeros(2, 3)),
        ("one element (1, 1), negative", torch.tensor([[-2.5]])),
    ]
    return [(label, x.to(device)) for label, x in cases]


def quietly_planted(x):
    with contextlib.redirect_stdout(None):
        return planted(x)


FULLGRAPH_HINTS = [
    ("item()", "Tensor.item() makes a Python number dynamo cannot trace: keep it a tensor "
     "(x.abs().amax())."),
    ("data-dependent branching", "a Python `if` on a tensor's value: compute both branches "
     "and choose with torch.where(condition, a, b)."),
    ("generic_jump", "a Python `if` on a tensor's value: compute both branches and choose "
     "with torch.where(condition, a, b)."),
    ("dynamic shape", "boolean-mask indexing y[y > 0] gives a data-dependent size: use "
     "torch.where(y > 0, y, 0) and sum that."),
    ("nonzero", "boolean-mask indexing y[y > 0] gives a data-dependent size: use "
     "torch.where(y > 0, y, 0) and sum that."),
    ("builtin", "print() inside compiled code breaks the graph: drop it (log outside)."),
    ("print", "print() inside compiled code breaks the graph: drop it (log outside)."),
]  # fmt: skip


def planted_variant(x, kind: str):
    """planted(x) with one usual rewriting slip, to see which one a wrong answer made."""
    y = x / (x.abs().max() + 1e-6)
    if kind == "elementwise":
        y = torch.where(y > 0, y * 2, y - 1)
    elif kind == ">=":
        y = torch.where(y.sum() >= 0, y * 2, y - 1)
    else:
        y = torch.where(y.sum() > 0, y * 2, y - 1)
    positive = y.sum() if kind == "all entries" else torch.where(y > 0, y, 0).sum()
    return y + positive


SCORE_SLIPS = {
    "elementwise": "the doubling depends on the sign of the WHOLE tensor's sum (one branch "
    "for all entries), not torch.where(y > 0, ...) per entry.",
    ">=": "a sum of exactly 0 takes the `else` branch (> 0, not >= 0).",
    "all entries": "the last term is the sum of the positive entries only, not of all of y.",
}


def score_mistake(got, x) -> str:
    """Name the slip a second computation pins, or list them all."""
    expected = quietly_planted(x)
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        for kind, why in SCORE_SLIPS.items():
            alt = planted_variant(x, kind)
            if not torch.allclose(alt, expected) and torch.allclose(got.to(alt.dtype), alt):
                return why
    return "a different computation: " + " Or: ".join(SCORE_SLIPS.values())


def dynamo_summary(err: BaseException) -> str:
    """The first line of dynamo's message and the user code it points at."""
    lines = [ln.strip() for ln in str(err).strip().splitlines()]
    summary = lines[0] if lines else type(err).__name__
    if "from user code:" in lines:
        at = [ln for ln in lines[lines.index("from user code:") + 1 :] if ln][:2]
        summary += " at " + " ".join(at)
    return summary


def fullgraph_hint(err: BaseException) -> str:
    text = str(err).lower()
    for key, hint in FULLGRAPH_HINTS:
        if key.lower() in text:
            return hint
    return "see the reason above."


@pytest.mark.task(2)
def test_normalize_scores_equals_the_planted_function(device):
    for label, x in score_inputs(device):
        saved = x.clone()
        what = f"normalize_scores(x) for x {label}"
        got = kata.normalize_scores(x)
        expected = quietly_planted(x)
        close = isinstance(got, torch.Tensor) and got.shape == expected.shape
        close = close and torch.allclose(got.to(expected.dtype), expected)
        assert_tensor_close(
            got, expected, what=what, mistake="" if close else score_mistake(got, x)
        )
        assert_tensor_close(
            x, saved, what=f"{what}: x afterwards", rtol=0, atol=0,
            mistake="an in-place op on the caller's x (x /= scale, x.mul_(2)).",
        )  # fmt: skip


@pytest.mark.task(2)
@pytest.mark.parametrize("backend", ["eager", "aot_eager"])
def test_normalize_scores_compiles_as_one_graph(backend, device):
    fn = raw("normalize_scores")
    compiled = torch.compile(fn, backend=backend, fullgraph=True)
    for label, x in score_inputs(device)[:1] + score_inputs(device)[-2:]:
        what = f"torch.compile(normalize_scores, backend={backend!r}, fullgraph=True)(x {label})"
        try:
            got = compiled(x)
        except torch._dynamo.exc.TorchDynamoException as err:
            raise AssertionError(
                f"{what} failed: dynamo found a graph break: {dynamo_summary(err)}. Likely "
                f"mistake: {fullgraph_hint(err)}"
            ) from None  # dynamo's own traceback is pages of torch internals
        assert_tensor_close(got, quietly_planted(x), what=what)


@pytest.mark.task(2)
def test_normalize_scores_has_no_graph_breaks_and_prints_nothing(device, capsys):
    x = score_inputs(device)[0][1]
    e = torch._dynamo.explain(raw("normalize_scores"))(x)
    printed = capsys.readouterr().out
    what = f"torch._dynamo.explain(normalize_scores)(x of shape {tuple(x.shape)})"
    if printed:
        raise AssertionError(
            f"{what}: normalize_scores printed {printed.strip()!r}. Likely mistake: the print "
            f"was kept; print() inside compiled code breaks the graph, so log outside it."
        )
    if e.graph_break_count or e.break_reasons:
        reasons = [r.reason.splitlines()[0] for r in e.break_reasons]
        raise AssertionError(
            f"{what} reports {e.graph_break_count} graph breaks: {reasons}. Likely mistake: "
            + "; ".join(dict.fromkeys(fullgraph_hint(Exception(r)) for r in reasons))
        )
    if e.graph_count != 1:
        raise AssertionError(
            f"{what} reports {e.graph_count} graphs and no break; expected exactly 1. Likely "
            f"mistake: no tensor operation traced at all (the work done outside the function)."
            if e.graph_count == 0
            else f"{what} reports {e.graph_count} graphs and no break; expected exactly 1."
        )


# ----------------------------------------------------------------------------- task 3


def make_model(device, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 4)).to(device)


class WithBreak(nn.Module):
    """A model whose forward has a graph break (a Python `if` on a tensor's value)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, x):
        h = self.linear(x)
        if h.sum() > 0:
            return h * 2
        return h


class CountingBackend:
    """A torch.compile backend that runs graphs eagerly and counts them."""

    def __init__(self) -> None:
        self.graphs = 0

    def __call__(self, gm, example_inputs):
        self.graphs += 1
        return gm.forward


def call_compile_model(model, backend, what):
    __tracebackhide__ = True
    with no_warnings(what):
        compiled = kata.compile_model(model, backend)
    if compiled is None:
        raise AssertionError(
            f"{what} returned None; expected the module torch.compile(model, ...) returns. "
            f"Likely mistake: model.compile(...), which compiles in place and returns None, "
            f"or no return statement."
        )
    return compiled


@pytest.mark.task(3)
def test_compile_model_wraps_the_same_module(device):
    model = make_model(device)
    what = "compile_model(model, backend='eager')"
    compiled = call_compile_model(model, "eager", what)
    if compiled is model:
        raise AssertionError(
            f"{what} returned the model itself. Likely mistake: model.compile() compiles in "
            f"place; return the wrapper torch.compile(model, ...) makes, and leave model eager."
        )
    if getattr(compiled, "_orig_mod", None) is not model:
        raise AssertionError(
            f"{what} returned a {type(compiled).__name__} that does not wrap model. Likely "
            + (
                "mistake: compiling a copy (copy.deepcopy(model)): training the compiled copy "
                "would not train model."
                if hasattr(compiled, "_orig_mod")
                else "mistake: not the module torch.compile(model, ...) returns (compiling "
                "model.forward, or another function, gives no wrapper of model)."
            )
        )
    x = torch.randn(5, 8, device=device)
    assert_tensor_close(compiled(x), model(x), what=f"{what}(x)", rtol=0, atol=0)
    optimizer = torch.optim.SGD(compiled.parameters(), lr=0.5)
    before = [p.detach().clone() for p in model.parameters()]
    compiled(x).pow(2).mean().backward()
    optimizer.step()
    if all(torch.equal(p, b) for p, b in zip(model.parameters(), before, strict=True)):
        raise AssertionError(
            f"{what}: an SGD step on the compiled module's parameters did not change model's: "
            f"they are not the same parameters. Likely mistake: compiling a copy."
        )


@pytest.mark.task(3)
def test_compile_model_passes_the_backend_and_leaves_the_model_eager(device):
    model = make_model(device, 1).eval()
    backend = CountingBackend()
    what = "compile_model(model, backend=<a counting backend>)"
    compiled = call_compile_model(model, backend, what)
    x = torch.randn(3, 8, device=device)
    model(x)  # the original: must stay eager
    if backend.graphs:
        raise AssertionError(
            f"{what}: calling model(x) itself compiled a graph. Likely mistake: model.compile() "
            f"compiles in place; the caller's model must stay an ordinary eager module."
        )
    out = compiled(x)
    if backend.graphs != 1:
        raise AssertionError(
            f"{what}: after one call the backend compiled {backend.graphs} graphs; expected 1. "
            f"Likely mistake: "
            + (
                "the backend argument was not passed to torch.compile."
                if backend.graphs == 0
                else "more than one compilation (a graph break, or a warm-up call with other "
                "inputs that forced a recompile)."
            )
        )
    assert_tensor_close(out, model(x), what=f"{what}(x)", rtol=0, atol=0)
    if model.training:
        raise AssertionError(
            f"{what} put the model (in eval mode) back in training mode; expected its mode "
            f"kept. Likely mistake: model.train() inside compile_model."
        )


@pytest.mark.task(3)
# torch 2.14: without fullgraph, dynamo tracing the code after the break reads .grad of a
# non-leaf tensor and torch itself warns; only a wrong answer gets that far
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
def test_compile_model_turns_a_graph_break_into_an_error(device):
    model = WithBreak().to(device)
    what = "compile_model(WithBreak(), backend='eager')(x), a forward with `if h.sum() > 0:`"
    compiled = call_compile_model(model, "eager", what)
    try:
        compiled(torch.randn(2, 4, device=device))
    except torch._dynamo.exc.Unsupported:  # what fullgraph=True raises at a graph break
        return
    raise AssertionError(
        f"{what} ran without an error: the graph break was split silently. Likely mistake: "
        f"fullgraph=True not passed to torch.compile (with it, the first call raises)."
    )


@pytest.mark.task(3)
def test_saveable_state_dict_has_the_plain_modules_keys(device):
    model = make_model(device, 2)
    compiled = call_compile_model(model, "eager", "compile_model(model, 'eager')")
    for label, module in (("the compiled wrapper", compiled), ("an uncompiled model", model)):
        what = f"saveable_state_dict({label})"
        state = kata.saveable_state_dict(module)
        expected = model.state_dict()
        if list(state) != list(expected):
            raise AssertionError(
                f"{what} has keys {list(state)[:3]}...; expected {list(expected)[:3]}... Likely "
                + (
                    "mistake: the compiled wrapper's own state_dict(), whose keys start with "
                    "'_orig_mod.'; take the state_dict of compiled._orig_mod."
                    if any(str(k).startswith("_orig_mod.") for k in state)
                    else "mistake: keys renamed or filtered, or the state_dict of another "
                    "module than the one compiled."
                )
            )
        for key, value in state.items():
            if value.data_ptr() != expected[key].data_ptr():
                raise AssertionError(
                    f"{what}[{key!r}] is a copy; expected the module's tensor (state_dict() "
                    f"shares it). Likely mistake: v.clone() or copy.deepcopy of the dict."
                )
        fresh = make_model(device, 3)
        fresh.load_state_dict(state, strict=True)
        x = torch.randn(2, 8, device=device)
        assert_tensor_close(fresh(x), model(x), what=f"a model loaded from {what}", rtol=0, atol=0)


@pytest.mark.task(3)
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_inductor_compiled_model_equals_eager(device, pytestconfig, monkeypatch):
    """The one inductor test: float32 outputs equal eager within rtol 1e-4, atol 1e-5."""
    # fail fast, before the costly compile, when compile_model is wrong
    model = make_model(device, 4).eval()
    quick = call_compile_model(model, "eager", "compile_model(model, 'eager')")
    if getattr(quick, "_orig_mod", None) is not model:
        raise AssertionError(
            "compile_model(model, 'eager') does not wrap model; see the other task 3 tests."
        )
    torch._dynamo.reset()
    cache = pytestconfig.rootpath / ".cache"
    monkeypatch.setenv("TRITON_CACHE_DIR", str(cache / "triton"))  # GPU kernels, if any
    import torch._inductor.config as inductor_config

    # precompiled headers would go to the system temp dir, outside .cache; skip them
    with inductor_config.patch(cpp_cache_precompile_headers=False):
        compiled = call_compile_model(model, "inductor", "compile_model(model, 'inductor')")
        gen = torch.Generator().manual_seed(5)
        x = torch.randn(6, 8, generator=gen).to(device)
        with torch.no_grad():  # inference only: no backward graph to compile
            got = compiled(x)
            expected = model(x)
    assert_tensor_close(
        got,
        expected,
        what="compile_model(model, 'inductor')(x) for a Linear-GELU-Linear model, x (6, 8)",
        rtol=1e-4,
        atol=1e-5,
        mistake="the compiled model computes something other than model(x): inductor's "
        "fused kernels round differently only within this tolerance, so a model changed by "
        "compile_model (its mode, its weights) or another module compiled is more likely.",
    )
