"""A warm test runner: torch and pytest imported once, each check in a fresh fork.

A cold `kata run` pays for a new interpreter, `import torch` and pytest's start-up (about
2 s of a 3 s run). `kata watch` and `kata interview` pay that once: this process imports
torch, pytest, the harness, every pytest plugin and what the katas' tests and subjects
import (their test files' imports, the `warm` modules of katas.toml), then runs each check
as `pytest.main` in a child forked from it. The child starts with everything imported and
nothing run: the learner's module is loaded fresh in every child (the parent never imports
it), and whatever a check does (its imports, its state, a crash) dies with the child.

Why a fork is sound here: the parent never runs a tensor operation (so no OpenMP thread
pool exists to be copied half-locked) and never touches CUDA (a child may start it);
stdout/stderr are flushed before forking; the child leaves with `os._exit`, never
running the parent's clean-up. Where fork is unavailable or unsafe (Windows, macOS), it
uses the cold runner: slower, same results, and `kata watch` and `kata interview` say so.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import importlib.util
import logging
import os
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from importlib.metadata import entry_points
from pathlib import Path

from torchkatas import index
from torchkatas.runner import (
    REPORT_ENV,
    STOP_GRACE_S,
    RunResult,
    cold_run,
    die_with_parent,
    log_path,
    now_file,
    pytest_args,
    read_report,
    report_file,
)

# Imported by the parent once, so no check pays for them: the harness and pytest's plugins,
# and torch._dynamo, which torch imports the first time an optimizer is built (3-4 s here).
WARM_MODULES = (
    "torchkatas.plugin",
    "torchkatas.harness",
    "torchkatas.collect",
    "torch.testing",
    "torch._dynamo",
)


class CheckTimeout(Exception):
    """A check ran past the time it was given (an interview's clock ran out)."""


def can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class WarmRunner:
    """Runs kata checks; forks from a process that has torch and pytest imported."""

    def __init__(self, root: Path, katas: Sequence[index.Kata], *, fork: bool | None = None):
        self.root = root
        self.fork = can_fork() if fork is None else fork
        if self.fork:
            warm_up(root, katas)

    def run(
        self,
        katas: Sequence[index.Kata],
        *,
        device: str = "cpu",
        timeout: float | None = None,
        log_name: str | None = None,
        solutions: bool = False,
    ) -> RunResult:
        """Run `katas`' tests; CheckTimeout after `timeout` seconds (the child is stopped)."""
        name = log_name or katas[0].id
        if not self.fork:
            return cold_run(self.root, katas, device=device, solutions=solutions, log_name=name)
        log = log_path(self.root, name)
        report = report_file(self.root)
        # The warm parent imported the plugins before pytest could mark them for assertion
        # rewriting; pytest warns (an error under filterwarnings) that it cannot rewrite
        # them. Their own asserts are not what a check is about: the tests' are rewritten.
        args = [
            *pytest_args(katas, device=device, solutions=solutions),
            "-W",
            "ignore::pytest.PytestAssertRewriteWarning",
        ]
        sys.stdout.flush()
        sys.stderr.flush()
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork in a threaded process; the threads here (the
            # file watcher's) are never used by the child, which only runs pytest.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(self.root, args, report, log)
        return self._wait(pid, report, log, timeout)

    def _wait(self, pid: int, report: Path, log: Path, timeout: float | None) -> RunResult:
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        try:
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise CheckTimeout(f"the check ran past {timeout:.0f} s and was stopped")
                time.sleep(0.005)
        except BaseException:  # Ctrl-C or the deadline: the child must not outlive us
            _stop(pid)
            report.unlink(missing_ok=True)
            now_file(report).unlink(missing_ok=True)
            raise
        return read_report(report, os.waitstatus_to_exitcode(status), log, self.root)


def _stop(pid: int) -> None:
    """Stop a check as Ctrl-C would (its tests clean up: ranks, torchrun), then make sure."""
    for sig, grace in ((signal.SIGINT, STOP_GRACE_S), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        end = time.monotonic() + grace
        while time.monotonic() < end:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                return
            time.sleep(0.02)


def _child(root: Path, args: list[str], report: Path, log: Path) -> None:
    code = 3
    try:
        # a process group of its own: a Ctrl-C reaches the check once, from the parent
        os.setpgid(0, 0)
        arm = die_with_parent(signal.SIGTERM)
        if arm is not None:
            arm()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__  # not rich's Live proxies
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.chdir(root)
        os.environ[REPORT_ENV] = str(report)
        import pytest

        code = int(pytest.main(args))
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def warm_up(root: Path, katas: Sequence[index.Kata]) -> None:
    """Import what every check needs, so the forked children start with it."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # as the plugin sets it, before torch
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(root / ".cache" / "inductor"))
    import pytest  # noqa: F401
    import torch  # noqa: F401

    for name in WARM_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    for ep in entry_points(group="pytest11"):  # xdist, pytest-timeout, ...
        with contextlib.suppress(Exception):
            ep.load()
    for kata in katas:
        # the kata's `warm` modules (katas.toml): what its subject imports lazily, on first
        # use (torchvision's models, inductor, the ONNX exporter). tests/test_repository.py
        # checks that each imports without a warning, so a check sees what a cold run sees.
        for name in (*_test_imports(root, kata), *kata.warm):
            with contextlib.suppress(Exception), _quiet():
                importlib.import_module(name)
    # Everything imported so far lives as long as the parent: keep the collector off it, so
    # the children's collections (pytest runs several at its end) only walk their own objects.
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Neither warnings nor log records while a module imports: printed here, they would
    land on the watch screen between "Warming up" and "Ready" (importing
    torch.utils.benchmark, which kata 55's tests do, logs "No CUDA runtime is found" on a
    machine without CUDA). A cold run captures both, and shows them only with a failure."""
    was = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(was)


def _test_imports(root: Path, kata: index.Kata) -> list[str]:
    """Modules a kata's test files import at the top, except anything in the repository's
    katas/ and solutions/ (the learner's module must be loaded fresh in each check)."""
    names: list[str] = []
    for test_file in sorted((root / "katas" / kata.id).glob("test_*.py")):
        try:
            tree = ast.parse(test_file.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    fresh = [root / "katas", root / "solutions"]
    kept = []
    for name in dict.fromkeys(names):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if spec is None or (origin and any(origin.is_relative_to(f.resolve()) for f in fresh)):
            continue
        kept.append(name)
    return kept
