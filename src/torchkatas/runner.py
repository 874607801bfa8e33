"""Running a kata's tests for the `kata` command and reading back what happened.

pytest runs in a child process (a fresh interpreter here; a fork of a warm one in
`torchkatas.warm`) with the `torchkatas.collect` plugin, which writes every test's outcome
to a JSON file. Its terminal output goes to `.kata/logs/<name>.log`, for the full story.
No torch import here: the `kata` process stays light.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torchkatas import index
from torchkatas.progress import FAILING, NOT_STARTED, SOLVED, STATE_DIR, Record, Store, now

NO_TESTS = 5  # pytest's exit code when it collected nothing
REPORT_ENV = "KATA_REPORT"  # where the torchkatas.collect plugin writes its JSON report


def now_file(report: Path) -> Path:
    """Where the collect plugin says which test is running: beside the report."""
    return report.with_name(report.name + ".now")


class RunError(Exception):
    """pytest could not run the tests (bad option, no tests, internal error)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code  # pytest's exit code: 2 interrupted, 3 internal, 4 usage, 5 no tests


@dataclass(frozen=True)
class TestOutcome:
    nodeid: str
    outcome: str  # passed | failed | skipped
    message: str = ""
    status: str | None = None  # the harness's kata_status: not-started, broken, missing, timeout
    task: int | None = None

    @property
    def name(self) -> str:
        """The test's name within its kata: test_x[param], or the file for a collection error."""
        return self.nodeid.split("::", 1)[-1]

    @property
    def not_started(self) -> bool:
        return self.outcome == "failed" and self.status == "not-started"


@dataclass
class KataResult:
    """The outcome of one kata's tests in a run."""

    kata: index.Kata
    tests: list[TestOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(t.outcome == outcome for t in self.tests)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def not_started(self) -> int:
        return sum(t.not_started for t in self.tests)

    @property
    def failed(self) -> int:
        """Failures other than "not implemented yet"."""
        return self.count("failed") - self.not_started

    @property
    def status(self) -> str:
        """Solved only when something passed and nothing failed (skips are allowed)."""
        if self.passed and not self.failed and not self.not_started:
            return SOLVED
        if self.not_started and not self.failed and not self.passed:
            return NOT_STARTED
        return FAILING

    def failures(self) -> list[TestOutcome]:
        return [t for t in self.tests if t.outcome == "failed"]


@dataclass
class RunResult:
    exitstatus: int
    duration: float
    tests: list[TestOutcome]
    log: Path

    def for_kata(self, kata: index.Kata) -> KataResult:
        prefix = f"katas/{kata.id}/"
        return KataResult(kata, [t for t in self.tests if t.nodeid.startswith(prefix)])


def pytest_args(
    katas: Sequence[index.Kata],
    *,
    device: str = "cpu",
    solutions: bool = False,
    workers: int = 1,
) -> list[str]:
    """pytest's arguments for running `katas` from the repository root."""
    args = [f"katas/{k.id}" for k in katas]
    args += ["-q", "--color=no", "-p", "no:cacheprovider", "-p", "torchkatas.collect"]
    args += ["--device", device]
    if solutions:
        args.append("--solutions")
    if workers > 1 and importlib.util.find_spec("xdist") is not None:
        args += ["-n", str(workers)]
    return args


NOTICES: list[str] = []  # things the learner should be told after a run (the CLI prints them)


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(name)
        return True
    except OSError:
        return False


def _state_folder(root: Path, sub: str = "") -> Path:
    """root/.kata/<sub>, or a private temporary folder (with a notice) when it is not writable."""
    folder = root / STATE_DIR / sub if sub else root / STATE_DIR
    if _writable(folder):
        return folder
    fallback = Path(tempfile.gettempdir()) / f"kata-{os.getuid() if hasattr(os, 'getuid') else 0}"
    fallback = fallback / sub if sub else fallback
    fallback.mkdir(parents=True, exist_ok=True, mode=0o700)
    notice = (
        f"cannot write in {folder} (not writable): the test log and report went to "
        f"{fallback} instead"
    )
    if notice not in NOTICES:
        NOTICES.append(notice)
    return fallback


def log_path(root: Path, name: str) -> Path:
    return _state_folder(root, "logs") / f"{name}.log"


def report_file(root: Path) -> Path:
    """A fresh, empty path for the collect plugin's JSON report."""
    fd, name = tempfile.mkstemp(dir=_state_folder(root), prefix=".report-", suffix=".json")
    os.close(fd)
    os.unlink(name)
    return Path(name)


def read_report(report: Path, returncode: int, log: Path, root: Path) -> RunResult:
    """The run's result from the plugin's report; RunError when pytest could not run."""
    try:
        raw: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        raw = {}
    finally:
        report.unlink(missing_ok=True)
        now_file(report).unlink(missing_ok=True)
    shown = log.relative_to(root) if log.is_relative_to(root) else log
    exitstatus = int(raw.get("exitstatus", returncode))
    if not raw or exitstatus not in (0, 1):
        if exitstatus == NO_TESTS:
            raise RunError(
                f"pytest found no tests to run (see {shown}): is the test file there?", NO_TESTS
            )
        raise RunError(
            f"pytest stopped with exit code {exitstatus}{_log_tail(log)}\n(full output: {shown})",
            exitstatus,
        )
    tests = [
        TestOutcome(
            nodeid=t["nodeid"],
            outcome=t["outcome"],
            message=t.get("message") or "",
            status=t.get("status"),
            task=t.get("task"),
        )
        for t in raw.get("tests", [])
    ]
    return RunResult(exitstatus, float(raw.get("duration", 0.0)), tests, log)


def _log_tail(log: Path, lines: int = 12) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except FileNotFoundError:
        return ""
    errors = [line for line in text if line.startswith(("ERROR", "E "))]
    chosen = errors[-lines:] if errors else text[-lines:]
    return ":\n" + "\n".join("  " + line for line in chosen) if chosen else ""


Progress = Callable[[str, float, int], None]  # (running test's id, seconds it has run, done)
STOP_GRACE_S = 20.0  # how long a stopped pytest may take to clean up (kill ranks, torchrun)


def cold_run(
    root: Path,
    katas: Sequence[index.Kata],
    *,
    device: str = "cpu",
    solutions: bool = False,
    workers: int = 1,
    log_name: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run `katas` in a fresh `python -m pytest` (pays torch's import: about 2 s).

    `progress(test, seconds, done)` is called a few times a second with the test running
    now. Ctrl-C (or SIGTERM, which the CLI turns into Ctrl-C) stops pytest the way Ctrl-C
    stops it in a terminal, then waits for its clean-up, so no process it started is left.
    """
    log = log_path(root, log_name or (katas[0].id if len(katas) == 1 else "run"))
    report = report_file(root)
    env = {**os.environ, REPORT_ENV: str(report)}
    args = pytest_args(katas, device=device, solutions=solutions, workers=workers)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", *args],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            # a session of its own: Ctrl-C reaches pytest once, from us, never twice
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM) if sys.platform == "linux" else None,
        )
        try:
            while proc.poll() is None:
                try:
                    proc.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
                if progress is not None:
                    _report_progress(report, progress)
        except BaseException:
            stop(proc)
            report.unlink(missing_ok=True)
            now_file(report).unlink(missing_ok=True)
            raise
    return read_report(report, proc.returncode, log, root)


def _report_progress(report: Path, progress: Progress) -> None:
    try:
        now = json.loads(now_file(report).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(now, dict) and isinstance(now.get("test"), str):
        since = now.get("since") if isinstance(now.get("since"), int | float) else time.time()
        done = now.get("done") if isinstance(now.get("done"), int) else 0
        progress(now["test"], max(0.0, time.time() - since), done)


def stop(proc: subprocess.Popen[Any]) -> None:
    """Stop a pytest child as Ctrl-C would, let it clean up, then make sure it is gone."""
    for sig, grace in ((signal.SIGINT, STOP_GRACE_S), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        return


def die_with_parent(sig: int) -> Callable[[], None] | None:
    """For preexec_fn: the child gets `sig` when its parent dies (Linux), so none is orphaned."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
    except (OSError, AttributeError):
        return None
    prctl = getattr(libc, "prctl", None)
    if prctl is None:
        return None

    def arm() -> None:
        prctl(1, sig)  # PR_SET_PDEATHSIG

    return arm


def record(
    store: Store, results: Sequence[KataResult], device: str, hashes: dict[str, str | None]
) -> None:
    """Save each kata's status; `hashes` are the learner's files as they were when tested."""
    with store.update() as progress:
        for result in results:
            rec: Record = progress.get(result.kata.id)
            rec.status = result.status
            rec.passed, rec.failed = result.passed, result.failed
            rec.not_started, rec.skipped = result.not_started, result.skipped
            rec.when, rec.device = now(), device
            rec.hash = hashes.get(result.kata.id)
