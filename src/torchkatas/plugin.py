"""The pytest plugin behind every kata: which code is tested, on which device, and the gates.

Options (see `pytest --help`, group "torch-katas"):
  --device cpu|cuda     the device the `device` fixture gives every test
  --solutions           test solutions/ instead of the learner's katas/
  --impl-root DIR       test any folder laid out like solutions/ (grading a student's copy)
  --gate stubs          prove every kata test FAILS on its stub (the repository's own check)
  --gate mistakes       prove every solutions/NN_name/mistakes/*.py is rejected by its kata
"""

from __future__ import annotations

import ast
import functools
import gc
import os
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from torchkatas import harness, index

_OPTS = "torch-katas"
_STUBS, _MISTAKES = "stubs", "mistakes"
_PROBLEM = "kata_problem"  # user property: a harness-level problem, never converted by a gate


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(_OPTS, "torch-katas")
    group.addoption(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="device for the `device` fixture (default: cpu)",
    )
    group.addoption(
        "--solutions",
        action="store_true",
        help="test the reference answers in solutions/ instead of katas/",
    )
    group.addoption(
        "--impl-root",
        metavar="DIR",
        type=Path,
        help="test the modules in DIR/NN_name/ (a folder laid out like solutions/)",
    )
    group.addoption(
        "--shuffle",
        metavar="SEED",
        type=int,
        help="run the tests in a random order drawn from SEED (the same SEED, the same "
        "order, also under xdist): shows tests that depend on each other's order",
    )
    group.addoption(
        "--gate",
        choices=(_STUBS, _MISTAKES),
        help="stubs: every test must fail on its stub; mistakes: every planted "
        "mistake must be rejected",
    )


def _kata_id(path: Path) -> str | None:
    """ "03_autograd" for katas/03_autograd/test_autograd.py, else None."""
    parent = path.parent
    if parent.parent.name == "katas" and index._ID.match(parent.name):
        return parent.name
    return None


# ----------------------------------------------------------------------------- configuration


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # inherited by workers and spawned ranks
    root = Path(str(config.rootpath))
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(root / ".cache" / "inductor"))
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    # Importing torch and pytest leaves some 200,000 long-lived objects that the garbage
    # collector tracks (gc.get_freeze_count() after the freeze), and every full collection
    # walks them again (pytest runs two at its end; a test that allocates triggers
    # more). Frozen, they are skipped: a cold run of kata 03 spent 0.34 s in the collector,
    # against 0.18 s for importing torch and pytest alone. What tests make is collected as
    # before, and gc.unfreeze() (kata 49 uses it) lists them again.
    gc.freeze()

    opt = config.option
    if opt.solutions and opt.impl_root:
        raise pytest.UsageError("use either --solutions or --impl-root DIR, not both")
    if opt.gate and (opt.solutions or opt.impl_root):
        raise pytest.UsageError(
            "--gate picks its own implementations: drop --solutions/--impl-root"
        )
    harness.CONFIG.repo_root = root
    if opt.impl_root:
        impl_root = opt.impl_root.expanduser().resolve()
        if not impl_root.is_dir():
            raise pytest.UsageError(f"--impl-root {opt.impl_root}: no such folder")
    elif opt.gate == _STUBS:
        impl_root = _pristine_stubs(root)
    else:
        impl_root = root / ("solutions" if opt.solutions else "katas")
    harness.CONFIG.impl_root = impl_root
    _stop_cleanly_on_sigterm()
    if opt.device == "cuda" and not torch.cuda.is_available():
        raise pytest.UsageError(
            f"--device cuda: no CUDA device here (torch {torch.__version__}, "
            f"built for CUDA {torch.version.cuda}). Run on a GPU machine, or use --device cpu."
        )
    global _LOG
    _LOG = _GateLog()


def _pristine_stubs(root: Path) -> Path:
    """The stubs as shipped (stubs.json beside katas.toml), written out for the stubs gate.

    The gate proves the tests fail on the ORIGINAL stubs, so it passes in a learner's tree
    where katas/ holds solved work. A kata whose stub is not archived fails on its own
    (see _api_problem), so one contributor's new kata cannot stop the others' gate.
    """
    from torchkatas import pristine

    try:
        stubs = pristine.load(pristine.archive_of(root))
    except pristine.ArchiveError as err:
        raise pytest.UsageError(f"--gate stubs: {err}") from None
    return pristine.materialize(stubs, root / ".cache" / "pristine-stubs")


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM ends the run as Ctrl-C does, so tests' clean-up (killing ranks) still runs."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return  # someone (xdist, a test runner) handles it already

    def interrupt(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM kills at once
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGTERM, interrupt)


def pytest_report_header(config: pytest.Config) -> list[str]:
    import torch

    opt = config.option
    if opt.gate == _MISTAKES:
        tree = "solutions/NN_name/mistakes/ overlaid on solutions/"
    elif opt.gate == _STUBS:
        tree = "the original stubs (stubs.json), not your katas/"
    elif opt.impl_root or opt.solutions:
        tree = harness.display(harness.CONFIG.impl_root) + "/"
    else:
        tree = "katas/ (your code)"
    lines = [
        f"torch-katas: torch {torch.__version__}, device {opt.device}, "
        f"threads {torch.get_num_threads()}, testing {tree}"
    ]
    if opt.gate:
        lines.append(f"torch-katas gate: {opt.gate} (a pass here means the tests caught it)")
    if opt.shuffle is not None:
        lines.append(f"torch-katas: tests in a shuffled order, --shuffle {opt.shuffle}")
    return lines


@pytest.fixture(scope="session")
def device(pytestconfig: pytest.Config) -> Any:
    """The torch.device every tensor of a kata test goes on (--device)."""
    import torch

    return torch.device(pytestconfig.option.device)


@pytest.fixture(autouse=True)
def kata_variant(request: pytest.FixtureRequest) -> Any:
    """Under --gate mistakes: overlay this test's mistake file on the kata's solution."""
    mistake = getattr(request, "param", None)
    kata_id = _kata_id(request.node.path)
    if mistake is None or kata_id is None:
        yield None
        return
    rejected_by = _rejected_by_name(mistake)
    if rejected_by is not None:
        # the gate asks for one test that rejects the mistake by name: it has one already,
        # so the rest of this mistake's tests would only cost time
        pytest.skip(f"this mistake is already rejected by name, by {rejected_by}")
    harness.CONFIG.variant[kata_id] = mistake
    try:
        yield mistake
    finally:
        harness.CONFIG.variant.pop(kata_id, None)


def _rejected_by_name(mistake: Path) -> str | None:
    """The test (in this process) whose failure already named `mistake`, or None."""
    if _LOG is None:
        return None
    phrase = (caught_by(mistake) or "").lower()
    if not phrase:
        return None
    for nodeid, message in _LOG.catches.get(str(mistake), []):
        if phrase in message.lower():
            return nodeid.split("::")[-1]
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.config.option.gate != _MISTAKES:
        return
    kata_id = _kata_id(metafunc.definition.path)
    if kata_id is None:
        return
    names = test_names(metafunc.definition.path)
    this = metafunc.function.__name__
    # a mistake that declares REJECTED_BY runs only against that test (one proof, not the
    # whole suite); one that declares none, or names no test here, runs against every test
    mistakes = [
        p
        for p in index.mistake_files(harness.CONFIG.repo_root, kata_id)
        if rejected_by(p) in (None, this) or rejected_by(p) not in names
    ]
    if mistakes:
        metafunc.parametrize(
            "kata_variant", mistakes, indirect=True, ids=[f"mistake:{p.stem}" for p in mistakes]
        )


# ----------------------------------------------------------------------------- collection


class KataProblem(pytest.Item):
    """One failing item that reports a problem with a kata's module once."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message
        self.user_properties.append((_PROBLEM, message))

    def runtest(self) -> None:
        raise AssertionError(self.message)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:  # type: ignore[override]
        return self.message

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, self.name


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.option.shuffle is not None:
        import random

        random.Random(config.option.shuffle).shuffle(items)
    if config.option.device != "cuda":
        skip = pytest.mark.skip(reason="needs --device cuda (nox -s cuda on a GPU machine)")
        for item in items:
            if item.get_closest_marker("cuda"):
                item.add_marker(skip)
    if config.option.gate == _MISTAKES:
        kept = [i for i in items if _kata_id(i.path) is None or _variant_of(i) is not None]
        if len(kept) != len(items):
            config.hook.pytest_deselected(items=[i for i in items if i not in kept])
            items[:] = kept
        return
    first_of: dict[str, int] = {}
    for pos, item in enumerate(items):
        kata_id = _kata_id(item.path)
        if kata_id is not None:
            first_of.setdefault(kata_id, pos)
    for kata_id, pos in sorted(first_of.items(), key=lambda kv: -kv[1]):
        message = _api_problem(kata_id, items[pos].path)
        if not message:
            continue
        name = "MISSING STUB" if message.startswith("MISSING STUB") else "MISSING FUNCTION"
        problem = KataProblem.from_parent(items[pos].parent, name=name, message=message)
        if name == "MISSING STUB":  # nothing of this kata can be proven: report it once
            dropped = [i for i in items if _kata_id(i.path) == kata_id]
            config.hook.pytest_deselected(items=dropped)
            items[:] = [i for i in items if _kata_id(i.path) != kata_id]
            pos = min(pos, len(items))
        items.insert(pos, problem)


def _variant_of(item: pytest.Item) -> Path | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("kata_variant") if callspec else None


def _api_problem(kata_id: str, test_path: Path) -> str | None:
    """A one-line report of names the solution defines but the module under test lacks.

    Read from the files' text: collection never runs the learner's module (a wait or an
    endless loop at its top would hang collection, where no test's time limit applies).
    """
    kata = harness.load_kata(test_path)
    solution = harness.CONFIG.repo_root / "solutions" / kata_id / kata.path.name
    if harness.CONFIG.impl_root.name == "pristine-stubs" and not kata.path.is_file():
        return (
            f"MISSING STUB: stubs.json has no original of katas/{kata_id}/{kata.path.name}: "
            "run `kata stubs --write` after adding or changing a stub."
        )
    if not solution.is_file() or not kata.path.is_file():
        return None  # every test reports the missing file itself
    defined = harness.defined_names(kata.path)
    if defined is None:
        return None  # unreadable or unknowable: the tests report the import error
    missing = [n for n in harness.public_api(solution) if n not in defined]
    if not missing:
        return None
    names = ", ".join(f"`{n}`" for n in missing)
    return (
        f"MISSING FUNCTION {names} in {harness.display(kata.path)}: did you rename it? "
        f"The tests call it by this name."
    )


# ----------------------------------------------------------------------------- reports


def _impl_frame(excinfo: pytest.ExceptionInfo[BaseException]) -> Any:
    """The innermost traceback entry inside an implementation file, or None."""
    for entry in reversed(excinfo.traceback):
        if harness.is_impl_file(str(entry.path)):
            return entry
    return None


_WORKER_TRACEBACK = re.compile(r'File "([^"]+)", line (\d+), in (\S+)\n(.*)')


def _not_started_in_worker(err: BaseException) -> tuple[str, str] | None:
    """The stub's NotImplementedError re-raised from a DataLoader worker: (function, file)."""
    text = str(err)
    if "in DataLoader worker process" not in text or "Original Traceback" not in text:
        return None
    frames = _WORKER_TRACEBACK.findall(text)
    if not frames:
        return None
    filename, _, function, line = frames[-1]
    if harness.is_impl_file(filename) and line.strip().startswith("raise"):
        return function, filename
    return None


def _checking(item: pytest.Item) -> str:
    """What a test checks, in words: its docstring's first line, or its name read aloud."""
    doc = getattr(getattr(item, "function", None), "__doc__", None)
    if doc and doc.strip():
        return doc.strip().splitlines()[0].rstrip(".")
    name = getattr(item, "originalname", None) or item.name.split("[")[0]
    words = name.removeprefix("test_").replace("_", " ")
    params = item.name[len(name) :] if item.name.startswith(name) else ""
    return words + (f" {params}" if params else "")


def _crash(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str | None:
    """A teaching message for an error nobody expected, raised in or after the learner's code.

    Says which kata function was called with what, where in the learner's file it raised
    (or what it returned, when the test then failed on it), the error's own message, and
    what the test was checking. None for errors the tests raise on purpose.
    """
    err = excinfo.value
    entry = _impl_frame(excinfo)
    raised_in_impl = entry is not None and entry is excinfo.traceback[-1]
    if isinstance(err, AssertionError) and not raised_in_impl:
        return None  # a test's (or a test's spy's) own teaching message
    if not isinstance(err, Exception):
        return None  # KeyboardInterrupt, pytest's outcomes
    kind = type(err).__name__
    if isinstance(err, Warning):
        kind += " (a warning your code caused; warnings count as errors here)"
    told = str(err).strip().splitlines()
    said = f": {told[0]}" if told else ""
    checking = f" The test was checking: {_checking(item)}."
    call = getattr(err, "kata_call", None)
    if entry is not None:
        where = harness.display(Path(str(entry.path)))
        line = str(entry.statement).strip().splitlines()
        code = f" (`{line[0]}`)" if line else ""
        function = getattr(entry.frame.code.raw, "co_qualname", entry.name)
        who = call.text if call is not None else f"your {function}()"
        at = f"{where}:{entry.lineno + 1} in {function}{code}"
        return f"{who} raised {kind} at {at}{said}.{checking}"
    calls = harness.TRACE.calls
    if not calls or isinstance(err, AssertionError):
        return None  # an error of the test's own, not about the learner's code
    last = calls[-1]
    returned = f" returned {last.returned}" if last.returned is not None else ""
    test_line = excinfo.traceback[-1].lineno + 1 if excinfo.traceback else "?"
    return (
        f"the test could not use what your code gave it: {last.text}{returned}, then the "
        f"test failed with {kind}{said} (at line {test_line} of {Path(str(item.path)).name})."
        f"{checking} Check what your function returns (type, shape, dtype)."
    )


def _explain(item: pytest.Item, call: pytest.CallInfo[None]) -> tuple[str, str] | None:
    """(status, message) for failures the harness knows how to explain."""
    excinfo = call.excinfo
    if excinfo is None:
        return None
    err = excinfo.value
    site = harness.not_started_site(err) or _not_started_in_worker(err)
    if isinstance(err, harness.NotStarted):
        site = (err.function, err.path)
    if site is not None:
        function, where = site
        shown = harness.display(Path(where))
        return "not-started", f"not implemented yet: {function}() in {shown}"
    if excinfo.errisinstance(harness.KataImportError):
        return "broken", f"cannot import the kata: {err}"
    if excinfo.errisinstance(harness.MissingFunction):
        return "missing", str(err)
    if excinfo.errisinstance(harness.Hung):
        return "timeout", str(err)
    text = str(err)
    if excinfo.typename == "Failed" and "Timeout" in text:
        limit = item.get_closest_marker("timeout")
        entry = _impl_frame(excinfo)
        where = (
            f" (it was at {harness.display(Path(str(entry.path)))}:{entry.lineno + 1})"
            if entry
            else ""
        )
        seconds = (
            limit.args[0]
            if limit and limit.args
            else item.config.getoption("timeout", None) or item.config.getini("timeout")
        )
        return "timeout", (
            f"took longer than the {seconds} s limit{where}: an endless loop, "
            f"or a wait that never ends?"
        )
    crash = _crash(item, excinfo)
    if crash is not None:
        return "crash", crash
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """The module under test may load only while a test runs (under its time limit)."""
    harness.CONFIG.in_test = True
    harness.CONFIG.current_test = item.nodeid
    harness.start_test()
    try:
        return (yield)
    finally:
        harness.CONFIG.in_test = False
        harness.CONFIG.current_test = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    explained = _explain(item, call)
    if explained is not None and report.failed:
        status, message = explained
        if status == "crash" and call.excinfo is not None:  # keep the traceback below it
            trace = item._repr_failure_py(call.excinfo, style="short")  # type: ignore[attr-defined]
            message = f"{message}\n\n{trace}"
        report.longrepr = message
        report.user_properties.append(("kata_status", status))
        if status == "missing":  # reported once by the MISSING FUNCTION item
            path, lineno, _ = item.reportinfo()
            report.outcome = "skipped"
            reason = f"needs {message.split('`')[1]}, reported once as MISSING FUNCTION"
            report.longrepr = (str(path), (lineno or 0) + 1, f"Skipped: {reason}")
        if status in ("broken", "missing"):
            report.user_properties.append((_PROBLEM, message))
    gate = item.config.option.gate
    kata_id = _kata_id(item.path)
    if gate and kata_id and report.when == "call" and not isinstance(item, KataProblem):
        _gate_report(gate, item, call, report, kata_id)
    return report


def _gate_report(gate: str, item: pytest.Item, call: Any, report: Any, kata_id: str) -> None:
    """Turn one test's outcome into the gate's: 'the tests caught it' passes."""
    if any(k == _PROBLEM for k, _ in report.user_properties):
        return  # a broken implementation under the gate stays a failure
    if gate == _STUBS:
        # the original stub, shown where the learner knows it (the gate reads stubs.json)
        stub = f"katas/{kata_id}/{harness.load_kata(item.path).path.name}"
        if report.failed:
            report.outcome, report.longrepr = "passed", None
            report.user_properties.append(("kata_gate", "fails-on-stub"))
        elif report.passed:
            report.outcome = "failed"
            report.longrepr = (
                f"passes on the stub {stub}: a test that passes before the "
                f"learner writes anything proves nothing"
            )
        return
    variant = _variant_of(item)
    message = str(call.excinfo.value) if report.failed and call.excinfo else ""
    report.user_properties.append(("kata_variant", str(variant)))
    report.user_properties.append(("kata_caught", message))
    report.outcome, report.longrepr = "passed", None
    report.user_properties.append(("kata_gate", "caught" if message else "missed"))


def pytest_report_teststatus(report: Any, config: pytest.Config) -> Any:
    props = dict(getattr(report, "user_properties", ()))  # a CollectReport has none
    if props.get("kata_status") == "not-started" and report.failed:
        return "failed", "N", "NOT STARTED"
    gate = props.get("kata_gate")
    if gate == "fails-on-stub":
        return "passed", ".", "FAILS ON STUB (good)"
    if gate == "caught":
        return "passed", "c", "CAUGHT"
    if gate == "missed":
        return "passed", ".", "passes (not this test)"
    return None


# ----------------------------------------------------------------------------- gate summary


class _GateLog:
    def __init__(self) -> None:
        self.catches: dict[str, list[tuple[str, str]]] = defaultdict(list)  # mistake -> failures
        self.seen: set[str] = set()
        self.missed: list[tuple[str, str]] = []  # (mistake, why)
        self.unseen: list[str] = []  # mistakes of the katas that ran, never run themselves
        self.per_kata: dict[str, Counter[str]] = defaultdict(Counter)  # kata -> outcome counts


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    props = dict(report.user_properties)
    kata_id = _kata_id(Path(report.fspath)) if report.fspath else None
    if _LOG is not None and kata_id and (report.when == "call" or not report.passed):
        status = "passed" if report.passed else report.outcome
        if report.failed and props.get("kata_status") == "not-started":
            status = "not started"
        _LOG.per_kata[kata_id][status] += 1
    if "kata_variant" not in props:
        return
    if _LOG is None:
        return
    _LOG.seen.add(props["kata_variant"])
    if props.get("kata_caught"):
        _LOG.catches[props["kata_variant"]].append((report.nodeid, props["kata_caught"]))


_LOG: _GateLog | None = None  # set in pytest_configure; read on the controller only


@functools.cache
def _declared(mistake: Path, name: str) -> str | None:
    """The string constant `name = "..."` a mistake module declares (read without importing)."""
    tree = ast.parse(mistake.read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


def caught_by(mistake: Path) -> str | None:
    """The CAUGHT_BY phrase a mistake module declares: words a failing message must contain."""
    return _declared(mistake, "CAUGHT_BY")


def rejected_by(mistake: Path) -> str | None:
    """The REJECTED_BY test a mistake module declares: the one test the gate runs it against."""
    return _declared(mistake, "REJECTED_BY")


@functools.cache
def test_names(test_file: Path) -> frozenset[str]:
    """The names of the test functions (and methods) defined in a test file."""
    tree = ast.parse(test_file.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


def kata_test_names(root: Path, kata_id: str) -> frozenset[str]:
    """Every test name in a kata's test files (katas/<kata_id>/test_*.py under root)."""
    folder = root / "katas" / kata_id
    return frozenset().union(*(test_names(f) for f in sorted(folder.glob("test_*.py"))))


def _judge(mistake: Path, catches: list[tuple[str, str]]) -> str | None:
    """Why `mistake` counts as NOT rejected, or None when a test rejected it properly."""
    phrase = caught_by(mistake)
    if not phrase:
        return "declares no CAUGHT_BY phrase (the words a failing test's message must contain)"
    test = rejected_by(mistake)
    kata_id = mistake.parent.parent.name  # solutions/<kata_id>/mistakes/<name>.py
    if test is not None and test not in kata_test_names(harness.CONFIG.repo_root, kata_id):
        return (
            f"REJECTED_BY names {test!r}, but katas/{kata_id}/ has no test "
            f"of that name (renamed? it ran against every test instead)"
        )
    if not catches:
        if test is not None:
            return f"{test} (its REJECTED_BY test) passed: it accepts this wrong answer"
        return "no test failed: the kata's tests accept this wrong answer"
    if not any(phrase.lower() in message.lower() for _, message in catches):
        first = catches[0][1].splitlines()[0][:160] if catches[0][1] else ""
        return f"tests failed, but no message contains {phrase!r} (first: {catches[0][0]}: {first})"
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if config.option.gate != _MISTAKES or hasattr(config, "workerinput") or _LOG is None:
        return
    for variant in sorted(_LOG.seen):
        why = _judge(Path(variant), _LOG.catches.get(variant, []))
        if why:
            _LOG.missed.append((variant, why))
    # a mistake whose REJECTED_BY test was skipped here (a cuda test) or deselected (-k)
    for kata_id in sorted(set(_LOG.per_kata) | _katas_named(config)):
        for path in index.mistake_files(harness.CONFIG.repo_root, kata_id):
            if str(path) not in _LOG.seen:
                _LOG.unseen.append(str(path))
    if _LOG.missed:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        for variant, why in _LOG.missed:
            rel = harness.display(Path(variant))
            report = pytest.TestReport(
                nodeid=f"{rel}::rejected",
                location=(rel, None, "rejected"),
                keywords={},
                outcome="failed",
                longrepr=f"mistake NOT rejected: {why}",
                when="call",
            )
            config.hook.pytest_runtest_logreport(report=report)


def _katas_named(config: pytest.Config) -> set[str]:
    """The katas the command line names: a kata's folder or a file or test in it, or a folder
    of katas (katas/, the repository)."""
    found: set[str] = set()
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::", 1)[0]).absolute()
        kata_id = _kata_id(path / "x") or _kata_id(path)
        if kata_id is not None:
            found.add(kata_id)
        elif path.is_dir():  # katas/ itself, or the folder that holds it
            for folder in (path, path / "katas"):
                found.update(p.parent.name for p in folder.glob("*/test_*.py") if _kata_id(p))
    return found


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or _LOG is None:
        return
    tr = terminalreporter
    if not config.option.gate and _LOG.per_kata:
        tr.section("katas")
        for kata_id, counts in sorted(_LOG.per_kata.items()):
            total = sum(counts.values()) - counts["skipped"]
            rest = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()) if k != "passed")
            done = counts["passed"] == total and not counts["failed"]
            tr.write_line(
                f"{kata_id}: {counts['passed']} of {total} passing"
                + (f" ({rest})" if rest else ""),
                green=done,
                red=not done,
            )
    if config.option.gate != _MISTAKES:
        return
    tr.section("mistakes gate")
    missed = dict(_LOG.missed)
    for variant in sorted(_LOG.seen):
        rel = harness.display(Path(variant))
        if variant in missed:
            tr.write_line(f"NOT REJECTED  {rel}: {missed[variant]}", red=True)
        else:
            phrase = (caught_by(Path(variant)) or "").lower()
            n = len(_LOG.catches[variant])
            test = next(t for t, m in _LOG.catches[variant] if phrase in m.lower())
            tr.write_line(f"rejected      {rel}: {n} test(s) failed, e.g. {test.split('::')[-1]}")
    tr.write_line(
        f"{len(_LOG.seen) - len(missed)} of {len(_LOG.seen)} mistakes rejected",
        bold=True,
        red=bool(missed),
        green=not missed,
    )
    if _LOG.unseen:
        names = ", ".join(harness.display(Path(m)) for m in _LOG.unseen)
        tr.write_line(
            f"{len(_LOG.unseen)} more mistake(s) of these katas did not run here, so they are "
            f"not proven (their REJECTED_BY test was skipped or deselected): {names}",
            yellow=True,
        )
