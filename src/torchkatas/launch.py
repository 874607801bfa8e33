"""Run a kata's function in N processes, one per rank, for the torch.distributed katas.

A test hands over a picklable reference to the function and gets back each rank's return
value, or a failure that says which rank broke and how::

    from torchkatas.launch import file_init_method, run_ranks

    init = file_init_method(tmp_path)              # a rendezvous file, no port needed (gloo)
    results = run_ranks(kata.ref("train_ddp"), 2, args=("gloo", init, ...), tmp_path=tmp_path)

Rank r runs `fn(r, world_size, *args, **kwargs)` in a fresh process. What this module does,
and the trap behind each point:

- Never fork the test process (a forked child inherits torch's thread pools and locks).
  Ranks come from multiprocessing's forkserver: a clean process, started once, that
  imports torch and torch.distributed before any tensor work and forks each rank from
  there, so a rank starts in milliseconds instead of paying torch's import (seconds).
  Where forkserver is not available, spawn. The child entry point is `_rank_main` in this
  module, importable by name; the function under test is re-loaded in the child by path
  (`ImplRef.resolve`), because a kata module loaded from a file has no importable module
  name.
- Results come back through files: the child saves its return value under tmp_path
  (torch.save, or pickle when the child never imported torch) and the parent loads it.
  Tensors sent through a multiprocessing queue fail to unpickle once the sending child
  has exited.
- A failing child writes its traceback to a file; the parent's error quotes it with every
  rank's exit code (a negative code is a signal: -6 SIGABRT, -9 SIGKILL).
- One deadline for all ranks (`timeout` seconds): a rank still running then is killed and
  reported, so a rank waiting for a peer that never comes fails the test in seconds.
  When one rank fails, the others get GRACE_S seconds to finish or fail on their own,
  then are killed too. No rank outlives `run_ranks`.
- OMP_NUM_THREADS=1 in every rank: N ranks on a 2-core machine must not each start a
  thread per core.
- A rank ends with os._exit once its result or traceback is on disk, skipping interpreter
  shutdown. With gloo and DDP (torch 2.14), shutdown can abort a rank that did everything
  right ("terminate called without an active exception", SIGABRT): the process group's
  worker threads outlive destroy_process_group once DDP has used it, and one of them may
  still be releasing its last work, which needs the GIL, while Python finalizes. A
  barrier before destroy_process_group makes this rarer, not impossible, so kata tests
  check the teardown itself (dist.is_initialized(), the barrier), not the exit code.

`run_torchrun(ref, 2, argv, tmp_path=...)` runs `fn(argv)` in each rank of
`python -m torch.distributed.run --standalone --nproc_per_node=2` (torchrun picks a free
port) under the same rules: one deadline, the whole process group killed at it, os._exit.
`run_torchrun_nodes(ref, 2, argv, tmp_path=...)` runs a two-"node" job on this machine: one
torchrun agent per node, meeting through the c10d rendezvous on a free localhost port, one
rank each, as separate machines would (a node that fails gets its peers killed after
GRACE_S, since they would wait for it).

Pass the process group a short `timeout` too (`init_process_group(..., timeout=...)`): gloo's
default is 30 minutes. Pick a rendezvous per call: `file_init_method(tmp_path)` (a fresh
file) or `free_port()` for `tcp://` and `env://`; never a fixed port.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from torchkatas.harness import ImplRef, NotStarted, not_started_site
from torchkatas.runner import die_with_parent

GRACE_S = 5.0  # how long the other ranks may run on after one rank failed
TORCHRUN_ERROR_GRACE_S = 1.0  # a failed torchrun rank waits this long before it exits
_calls = itertools.count()


class RanksFailed(AssertionError):
    """At least one rank failed, crashed or timed out; the message reports every rank."""

    def __init__(self, message: str, outcomes: list[RankOutcome]) -> None:
        super().__init__(message)
        self.outcomes = outcomes


@dataclass(frozen=True)
class RankOutcome:
    """How one rank ended: its exit code, whether the parent killed it, its traceback."""

    rank: int
    exitcode: int | None
    killed: bool  # still running at the deadline (or after another rank failed)
    error: str  # the child's traceback text, "" when it raised nothing

    def describe(self) -> str:
        if self.killed:
            how = "was still running and was killed"
        elif self.exitcode is not None and self.exitcode < 0:
            how = f"died from signal {_signal_name(-self.exitcode)} (exit code {self.exitcode})"
        else:
            how = f"exited with code {self.exitcode}"
        text = f"rank {self.rank} {how}"
        if self.error:
            text += ":\n" + _indent(self.error.rstrip())
        elif not self.killed and self.exitcode != 0:
            text += (
                " and left no traceback: a crash in native code, os._exit, or a failure "
                "before the function ran (see the captured stderr; a script that starts "
                "ranks needs `if __name__ == '__main__':`, as spawn re-runs it in each)"
            )
        return text


def free_port() -> int:
    """A TCP port on localhost that is free right now (for tcp:// or MASTER_PORT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def file_init_method(tmp_path: str | Path) -> str:
    """A `file://` init_method on a fresh file under tmp_path: one per process group."""
    path = Path(tmp_path).resolve() / f"rendezvous-{os.getpid()}-{next(_calls)}"
    if path.exists():
        path.unlink()
    return f"file://{path}"


def run_ranks(
    ref: ImplRef,
    world_size: int,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    *,
    tmp_path: str | Path,
    timeout: float = 60.0,
    label: str | None = None,
) -> list[Any]:
    """Run `ref`'s function as ranks 0..world_size-1, each in its own process.

    Rank r calls `fn(r, world_size, *args, **kwargs)`; args and kwargs must pickle. Returns
    the ranks' return values in rank order (each through torch.save and torch.load, so
    tensors come back on the device they were saved from). Raises RanksFailed, reporting
    every rank's exit code and traceback, if any rank raises, crashes, or is still running
    `timeout` seconds after the start; NotImplementedError, with the child's traceback, if
    a rank raised NotImplementedError (the kata is not started yet). No rank process is
    left running when this returns or raises. `label` names the call in those reports
    (default: "fn(rank, world_size, ...)").
    """
    if world_size < 1:
        raise ValueError(f"world_size must be at least 1, got {world_size}")
    out_dir = Path(tmp_path) / f"ranks-{os.getpid()}-{next(_calls)}"
    out_dir.mkdir(parents=True)
    context = _context()
    procs = [
        context.Process(
            target=_rank_main,
            args=(
                ref,
                rank,
                world_size,
                tuple(args),
                dict(kwargs or {}),
                str(out_dir),
                os.getpid(),
            ),
            name=f"{ref.name}-rank{rank}",
        )
        for rank in range(world_size)
    ]
    killed: set[int] = set()
    exitcodes: list[int | None] = [None] * world_size
    try:
        for proc in procs:
            proc.start()
        _wait_for(procs, timeout, killed)
    finally:
        for rank, proc in enumerate(procs):
            if proc.pid is None:  # never started
                continue
            if proc.exitcode is None:  # also on KeyboardInterrupt or pytest-timeout
                proc.kill()
                killed.add(rank)
            proc.join()
            exitcodes[rank] = proc.exitcode
            proc.close()
    outcomes = [
        RankOutcome(rank, exitcodes[rank], rank in killed, _error_text(out_dir, rank))
        for rank in range(world_size)
    ]
    if any(o.killed or o.exitcode != 0 for o in outcomes):
        label = label or f"{ref.name}(rank, {world_size}, ...)"
        raise _failure(label, world_size, timeout, outcomes, out_dir)
    return [_load(out_dir, rank) for rank in range(world_size)]


def _context() -> Any:
    """forkserver preloaded with torch where it exists (Linux, macOS), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # read by the server when it starts (the first rank of the process): later calls no-op
    context.set_forkserver_preload(["torch", "torch.distributed", "torchkatas.launch"])
    return context


def _wait_for(procs: list[Any], timeout: float, killed: set[int]) -> None:
    """Wait for every rank; kill the ones still running at the deadline.

    The deadline is `timeout` seconds from now, moved up to GRACE_S seconds after the
    first rank fails: its peers are then usually stuck waiting for it.
    """
    deadline = time.monotonic() + timeout
    grace_started = False
    while True:
        running = [p for p in procs if p.exitcode is None]
        if not running:
            return
        if not grace_started and any(p.exitcode not in (None, 0) for p in procs):
            grace_started = True
            deadline = min(deadline, time.monotonic() + GRACE_S)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        wait([p.sentinel for p in running], timeout=remaining)
    for rank, proc in enumerate(procs):
        if proc.exitcode is None:
            proc.kill()
            killed.add(rank)


def _rank_main(
    ref: ImplRef,
    rank: int,
    world_size: int,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    out_dir: str,
    starter: int,
) -> None:
    """The child's entry point: run the function, save its value or its traceback."""
    _die_with(starter)
    os.environ["OMP_NUM_THREADS"] = "1"
    out = Path(out_dir)
    try:
        if "torch" in sys.modules:  # imported while unpickling args, before the line above
            sys.modules["torch"].set_num_threads(1)
        value = ref.resolve()(rank, world_size, *args, **kwargs)
        _save(value, out, rank)
    except BaseException as err:  # SystemExit and KeyboardInterrupt included
        tb = err.__traceback__.tb_next if err.__traceback__ else None  # drop this frame
        text = "".join(traceback.format_exception(type(err), err, tb))
        _write_error(out / f"rank{rank}", err, text)
        _exit(1)
    _exit(0)


def _write_error(stem: Path, err: BaseException, text: str) -> None:
    """The traceback as `<stem>.error`, or `<stem>.NotImplementedError` with a `.site` beside
    it when the stub itself raised NotImplementedError (the kata is not started)."""
    site = not_started_site(err)
    kind = "NotImplementedError" if site is not None else "error"
    stem.with_name(f"{stem.name}.{kind}").write_text(text, encoding="utf-8")
    if site is not None:
        stem.with_name(f"{stem.name}.site").write_text(json.dumps(site), encoding="utf-8")


def _not_started(stem: Path, message: str) -> NotStarted:
    function, path = json.loads(stem.with_name(f"{stem.name}.site").read_text(encoding="utf-8"))
    return NotStarted(message, function, path)


def _die_with(pid: int) -> None:
    """End this rank as soon as process `pid` (the test that started it) is gone.

    The forkserver, not the test, is a rank's parent, so the parent-death signal cannot
    tell; a daemon thread waits on the starter itself (a pidfd on Linux, else polling).
    """

    def watch() -> None:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            while True:
                time.sleep(0.5)
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    continue
        else:
            select.select([fd], [], [])  # readable once the process has ended
        os._exit(1)

    threading.Thread(target=watch, name="die-with-starter", daemon=True).start()


def _die_with_parent() -> None:
    """Linux: this process is killed when the one that started it dies, even by SIGKILL."""
    arm = die_with_parent(signal.SIGKILL)
    if arm is not None:
        arm()


def _exit(code: int) -> None:
    """End the rank now, skipping interpreter shutdown (see the module docstring)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _error_text(out_dir: Path, rank: int) -> str:
    for kind in ("NotImplementedError", "error"):
        path = out_dir / f"rank{rank}.{kind}"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""


def _failure(
    label: str, world_size: int, timeout: float, outcomes: list[RankOutcome], out_dir: Path
) -> Exception:
    call = f"{label} on {world_size} rank(s)"
    report = "\n".join(o.describe() for o in outcomes)
    not_started = [
        o.rank for o in outcomes if (out_dir / f"rank{o.rank}.NotImplementedError").is_file()
    ]
    if not_started:
        return _not_started(
            out_dir / f"rank{not_started[0]}",
            f"{call}: rank {not_started[0]} raised NotImplementedError (not started yet).\n"
            + report,
        )
    if all(o.killed for o in outcomes):
        hint = (
            f"every rank was still running after {timeout:g} s. Likely mistake: a rank "
            f"waiting for peers that never arrive (a collective or barrier only some ranks "
            f"reach, a wrong world_size or rank), an endless loop, or no short timeout= "
            f"in init_process_group."
        )
    elif any(o.killed for o in outcomes):
        hint = (
            "one rank failed and the others were killed: they were waiting for it "
            "(look at the failed rank's traceback first)."
        )
    else:
        hint = "a rank failed; its traceback is below."
    return RanksFailed(f"{call}: {hint}\n{report}", outcomes)


def _save(value: Any, out_dir: Path, rank: int) -> None:
    """torch.save where torch is loaded (tensors), plain pickle where it is not (fast)."""
    if "torch" in sys.modules:
        path = out_dir / f"rank{rank}.pt"
        sys.modules["torch"].save(value, path.with_suffix(".tmp"))
    else:
        path = out_dir / f"rank{rank}.pkl"
        path.with_suffix(".tmp").write_bytes(pickle.dumps(value))
    path.with_suffix(".tmp").replace(path)  # whole or absent, never half-written


def _load(out_dir: Path, rank: int) -> Any:
    # our own files from our own children: full unpickling is safe; values may be any object
    path = out_dir / f"rank{rank}.pt"
    if path.is_file():
        import torch

        return torch.load(path, weights_only=False)
    path = out_dir / f"rank{rank}.pkl"
    if path.is_file():
        return pickle.loads(path.read_bytes())
    raise RanksFailed(f"rank {rank} exited with code 0 but saved no result", [])


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


class TorchrunFailed(AssertionError):
    """torchrun exited with an error or ran past its deadline; the message quotes its output."""


def run_torchrun(
    ref: ImplRef,
    nproc_per_node: int,
    argv: Sequence[str] = (),
    *,
    tmp_path: str | Path,
    timeout: float = 120.0,
    setup: ImplRef | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `fn(list(argv))` in every rank of a single-node torchrun job; return its output.

    torchrun (`python -m torch.distributed.run --standalone`) sets RANK, WORLD_SIZE,
    LOCAL_RANK, MASTER_ADDR and MASTER_PORT for each rank, as it would for a script.
    `setup`, if given, is called with no arguments in each rank before the function is
    loaded (to install a spy, say); `env` adds environment variables. Raises
    TorchrunFailed with the tail of the output if torchrun exits non-zero or is still
    running after `timeout` seconds; then every process it started is killed.
    """
    spec = Path(tmp_path) / f"torchrun-{os.getpid()}-{next(_calls)}.json"
    spec.write_text(json.dumps({"target": _ref_json(ref), "setup": _ref_json(setup)}))
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc_per_node={nproc_per_node}", "-m", "torchkatas.launch", str(spec), *argv,
    ]  # fmt: skip
    # torchrun's own temporary files (torchelastic_*) go under tmp_path, not /tmp
    scratch = Path(tmp_path) / f"torchrun-tmp-{os.getpid()}-{next(_calls)}"
    scratch.mkdir(parents=True, exist_ok=True)
    child_env = {**os.environ, "OMP_NUM_THREADS": "1", "TMPDIR": str(scratch), **(env or {})}
    # a session of its own, so that on timeout the agent and its ranks die together; and
    # SIGTERM to the agent if this process dies first (it then stops its ranks itself)
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env,
        start_new_session=True,
        preexec_fn=die_with_parent(signal.SIGTERM),
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stdout, stderr = _stop_torchrun(proc)
        raise TorchrunFailed(
            f"torchrun running {ref.name}() on {nproc_per_node} rank(s) was still running "
            f"after {timeout:g} s and was killed. Likely mistake: a rank waiting for peers "
            f"that never arrive, or no short timeout= in init_process_group.\n"
            + _tail(stdout, stderr)
        ) from None
    except BaseException:  # KeyboardInterrupt, pytest-timeout
        _stop_torchrun(proc)
        raise
    if proc.returncode != 0:
        call = f"torchrun running {ref.name}() on {nproc_per_node} rank(s)"
        report = _rank_report(spec, call)
        raise TorchrunFailed(
            f"{call} exited with code {proc.returncode}.\n"
            + (report + "\n" if report else "")
            + _tail(stdout, stderr)
        )
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def run_torchrun_nodes(
    ref: ImplRef,
    nnodes: int,
    argv: Sequence[str] = (),
    *,
    tmp_path: str | Path,
    timeout: float = 150.0,
    setup: ImplRef | None = None,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
) -> list[subprocess.CompletedProcess[str]]:
    """Run `fn(list(argv))` in a torchrun job of `nnodes` "nodes" on this machine, one rank each.

    Each node is a torchrun agent of its own, started as on separate machines:
    `--nnodes=N --node_rank=i --nproc_per_node=1 --rdzv-backend=c10d
    --rdzv-endpoint=127.0.0.1:PORT --rdzv-id=ID`, PORT a free port, node 0 hosting the
    rendezvous store (`is_host`); `--local-addr=127.0.0.1`, so no node depends on what this
    machine's hostname resolves to. Each rank then sees RANK 0..N-1, LOCAL_RANK 0,
    WORLD_SIZE N and LOCAL_WORLD_SIZE 1 (the c10d rendezvous numbers the nodes in the order it
    admits them, not by --node_rank). `setup`, `env` as for run_torchrun; `cwd` is every
    agent's working directory. Returns each node's output, in node order. Raises
    TorchrunFailed quoting every rank's traceback and every node's output if a node exits
    non-zero (the other nodes get GRACE_S seconds, then are killed: they would wait for the
    lost peer) or is still running `timeout` seconds after the start; no process it started
    outlives the call.
    """
    if nnodes < 1:
        raise ValueError(f"nnodes must be at least 1, got {nnodes}")
    call = next(_calls)
    spec = Path(tmp_path) / f"torchrun-{os.getpid()}-{call}.json"
    spec.write_text(json.dumps({"target": _ref_json(ref), "setup": _ref_json(setup)}))
    scratch = Path(tmp_path) / f"torchrun-tmp-{os.getpid()}-{call}"
    scratch.mkdir(parents=True, exist_ok=True)
    child_env = {**os.environ, "OMP_NUM_THREADS": "1", "TMPDIR": str(scratch), **(env or {})}
    port = free_port()
    join_s = max(1, int(timeout))  # the agents give up waiting for peers by our deadline too
    procs: list[subprocess.Popen[str]] = []
    logs: list[tuple[Path, Path]] = []
    try:
        for node in range(nnodes):
            cmd = [
                sys.executable, "-m", "torch.distributed.run", f"--nnodes={nnodes}",
                f"--node_rank={node}", "--nproc_per_node=1", "--rdzv-backend=c10d",
                f"--rdzv-endpoint=127.0.0.1:{port}", f"--rdzv-id=katas-{os.getpid()}-{call}",
                f"--rdzv-conf=is_host={int(node == 0)},join_timeout={join_s}",
                "--local-addr=127.0.0.1", "-m", "torchkatas.launch", str(spec), *argv,
            ]  # fmt: skip
            out, err = scratch / f"node{node}.stdout", scratch / f"node{node}.stderr"
            logs.append((out, err))
            with out.open("w") as stdout, err.open("w") as stderr:
                procs.append(
                    subprocess.Popen(
                        cmd,
                        stdout=stdout,
                        stderr=stderr,
                        text=True,
                        env=child_env,
                        cwd=cwd,
                        start_new_session=True,
                        preexec_fn=die_with_parent(signal.SIGTERM),
                    )
                )
        timed_out = _wait_for_nodes(procs, timeout)
    finally:
        for proc in procs:  # also on KeyboardInterrupt or pytest-timeout
            if proc.poll() is None:
                _kill_node(proc)
    outputs = [
        (out.read_text(errors="replace"), err.read_text(errors="replace")) for out, err in logs
    ]
    codes = [proc.returncode for proc in procs]
    if not timed_out and all(code == 0 for code in codes):
        return [
            subprocess.CompletedProcess(proc.args, 0, out, err)
            for proc, (out, err) in zip(procs, outputs, strict=True)
        ]
    what = f"{nnodes} torchrun nodes running {ref.name}(), one rank each"
    if timed_out:
        head = (
            f"{what}: still running after {timeout:g} s and killed. Likely mistake: a rank "
            f"waiting for peers that never arrive (two ranks with the same RANK, a wrong "
            f"WORLD_SIZE), or no short timeout= in init_process_group."
        )
    else:
        shown = ", ".join(f"node {i}: {code}" for i, code in enumerate(codes))
        head = f"{what}: a node failed (exit codes {shown}; killed ones show a signal)."
    report = _rank_report(spec, what)
    tails = "\n".join(
        f"node {i}:\n" + _indent(_tail(out, err, lines=20)) for i, (out, err) in enumerate(outputs)
    )
    raise TorchrunFailed(f"{head}\n" + (report + "\n" if report else "") + tails)


def _rank_report(spec: Path, what: str) -> str:
    """Every rank's traceback that a torchrun job wrote beside `spec`, one block each; raises
    the not-started error instead when a rank reached a stub's NotImplementedError."""
    errors = sorted(
        p
        for p in spec.parent.glob(f"{spec.stem}.rank*.*")
        if p.suffix in (".error", ".NotImplementedError")
    )
    report = "\n".join(
        f"rank {path.suffixes[-2].removeprefix('.rank')} raised:\n"
        + _indent(path.read_text().rstrip())
        for path in errors
    )
    for path in errors:
        if path.suffix == ".NotImplementedError":
            raise _not_started(path.with_suffix(""), f"{what}: not started yet.\n{report}")
    return report


def _wait_for_nodes(procs: list[subprocess.Popen[str]], timeout: float) -> bool:
    """Wait for every node; True if the deadline came first. After a node fails, the others
    get GRACE_S seconds; the caller kills whatever still runs."""
    deadline = time.monotonic() + timeout
    grace_started = False
    while any(proc.poll() is None for proc in procs):
        if not grace_started and any(proc.poll() not in (None, 0) for proc in procs):
            grace_started = True
            deadline = min(deadline, time.monotonic() + GRACE_S)
        if time.monotonic() >= deadline:
            return not grace_started
        time.sleep(0.05)
    return False


def _kill_node(proc: subprocess.Popen[str]) -> None:
    """Stop one torchrun agent and its ranks (which run in sessions of their own)."""
    ranks = _descendants(proc.pid)
    proc.terminate()  # the agent stops its ranks itself
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=GRACE_S)
    for pid in [proc.pid, *ranks]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _stop_torchrun(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Kill torchrun and every process under it; return what it printed.

    torchrun starts each rank in a session of its own, so killing torchrun's process group
    misses them: find the ranks first (Linux: /proc), ask torchrun to stop them (SIGTERM),
    then SIGKILL whatever is left.
    """
    ranks = _descendants(proc.pid)
    proc.terminate()
    try:
        stdout, stderr = proc.communicate(timeout=GRACE_S)
    except subprocess.TimeoutExpired:
        stdout, stderr = "", ""
    for pid in [proc.pid, *ranks]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        more_out, more_err = proc.communicate(timeout=GRACE_S)
    except subprocess.TimeoutExpired:  # a pipe still held open by something we missed
        more_out, more_err = "", ""
        proc.kill()
        proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    return stdout + (more_out or ""), stderr + (more_err or "")


def _descendants(pid: int) -> list[int]:
    """The processes under `pid` (children, grandchildren, ...), read from /proc; [] elsewhere."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        parents[int(stat.parent.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def _tail(stdout: str, stderr: str, lines: int = 40) -> str:
    def last(text: str) -> str:
        kept = text.rstrip().splitlines()[-lines:]
        return _indent("\n".join(kept)) if kept else "    (nothing)"

    return f"stdout (last {lines} lines):\n{last(stdout)}\nstderr (last {lines} lines):\n" + last(
        stderr
    )


def _ref_json(ref: ImplRef | None) -> list[str | None] | None:
    if ref is None:
        return None
    return [str(ref.path), str(ref.overlay) if ref.overlay else None, ref.name]


def _ref_from_json(data: list[str | None] | None) -> ImplRef | None:
    if data is None:
        return None
    path, overlay, name = data
    assert path is not None and name is not None
    return ImplRef(Path(path), Path(overlay) if overlay else None, name)


def _torchrun_main(spec_file: str, argv: list[str]) -> None:
    """One torchrun rank: run the setup, then the function, then leave at once."""
    _die_with_parent()
    spec = json.loads(Path(spec_file).read_text())
    try:
        setup = _ref_from_json(spec["setup"])
        if setup is not None:
            setup.resolve()()
        target = _ref_from_json(spec["target"])
        assert target is not None
        target.resolve()(argv)
    except BaseException as err:
        traceback.print_exc()
        rank = os.environ.get("RANK", "unknown")
        _write_error(Path(spec_file).with_suffix(f".rank{rank}"), err, traceback.format_exc())
        # torchrun stops every rank once one exits with an error: a moment's wait lets peers
        # that fail at the same point write their tracebacks too
        time.sleep(TORCHRUN_ERROR_GRACE_S)
        _exit(1)
    _exit(0)


if __name__ == "__main__":
    _torchrun_main(sys.argv[1], sys.argv[2:])
