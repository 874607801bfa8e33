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
import os
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
    else:
        impl_root = root / ("solutions" if opt.solutions else "katas")
    harness.CONFIG.impl_root = impl_root
    if opt.device == "cuda" and not torch.cuda.is_available():
        raise pytest.UsageError(
            f"--device cuda: no CUDA device here (torch {torch.__version__}, "
            f"built for CUDA {torch.version.cuda}). Run on a GPU machine, or use --device cpu."
        )
    global _LOG
    _LOG = _GateLog()


def pytest_report_header(config: pytest.Config) -> list[str]:
    import torch

    opt = config.option
    if opt.gate == _MISTAKES:
        tree = "solutions/NN_name/mistakes/ overlaid on solutions/"
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
    harness.CONFIG.variant[kata_id] = mistake
    try:
        yield mistake
    finally:
        harness.CONFIG.variant.pop(kata_id, None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.config.option.gate != _MISTAKES:
        return
    kata_id = _kata_id(metafunc.definition.path)
    if kata_id is None:
        return
    mistakes = index.mistake_files(harness.CONFIG.repo_root, kata_id)
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
        if message:
            problem = KataProblem.from_parent(
                items[pos].parent, name="MISSING FUNCTION", message=message
            )
            items.insert(pos, problem)


def _variant_of(item: pytest.Item) -> Path | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("kata_variant") if callspec else None


def _api_problem(kata_id: str, test_path: Path) -> str | None:
    """A one-line report of names the solution defines but the module under test lacks."""
    kata = harness.load_kata(test_path)
    solution = harness.CONFIG.repo_root / "solutions" / kata_id / kata.path.name
    if not solution.is_file():
        return None
    try:
        module = kata.module()
    except harness.KataImportError:
        return None  # every test reports the import error itself
    missing = [n for n in harness.public_api(solution) if not hasattr(module, n)]
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
    impl_files = {str(p) for p in harness._loaded}
    for entry in reversed(excinfo.traceback):
        if str(Path(entry.path).resolve()) in impl_files:
            return entry
    return None


def _explain(item: pytest.Item, call: pytest.CallInfo[None]) -> tuple[str, str] | None:
    """(status, one-line message) for failures the harness knows how to explain."""
    excinfo = call.excinfo
    if excinfo is None:
        return None
    if excinfo.errisinstance(NotImplementedError):
        entry = _impl_frame(excinfo)
        # "not started" only when the learner's file raised it itself (the stub's TODO); a
        # NotImplementedError from inside torch, called by the learner, is a wrong answer
        raised_here = entry is not None and entry is excinfo.traceback[-1]
        if raised_here and "raise" in str(entry.statement):
            name = getattr(entry.frame.code.raw, "co_qualname", entry.name)
            where = harness.display(Path(entry.path))
            return "not-started", f"not implemented yet: {name}() in {where}"
    if excinfo.errisinstance(harness.KataImportError):
        return "broken", f"cannot import the kata: {excinfo.value}"
    if excinfo.errisinstance(harness.MissingFunction):
        return "missing", str(excinfo.value)
    text = str(excinfo.value)
    if excinfo.typename == "Failed" and "Timeout" in text:
        limit = item.get_closest_marker("timeout")
        entry = _impl_frame(excinfo)
        where = (
            f" (it was at {harness.display(Path(entry.path))}:{entry.lineno + 1})" if entry else ""
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
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    explained = _explain(item, call)
    if explained is not None and report.failed:
        status, message = explained
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
        stub = harness.display(harness.load_kata(item.path).path)
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


def caught_by(mistake: Path) -> str | None:
    """The CAUGHT_BY phrase a mistake module declares (read without importing it)."""
    tree = ast.parse(mistake.read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "CAUGHT_BY"
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


def _judge(mistake: Path, catches: list[tuple[str, str]]) -> str | None:
    """Why `mistake` counts as NOT rejected, or None when a test rejected it properly."""
    phrase = caught_by(mistake)
    if not phrase:
        return "declares no CAUGHT_BY phrase (the words a failing test's message must contain)"
    if not catches:
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
