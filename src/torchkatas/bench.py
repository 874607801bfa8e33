"""How long a learner waits for feedback, against the floor no kata run can beat.

    python -m torchkatas.bench 03               # one kata
    python -m torchkatas.bench --all            # every kata: the table the README quotes
    python -m torchkatas.bench 03 --watch       # also save-to-result in a real `kata watch`

For each kata, one first run, then paired runs (floor, cold, floor, cold, ...; medians):
- first: the cold command once, timed but left out of the medians: it fills what later
  runs reuse (the C++ build of 67, inductor's kernels in 52, Python's bytecode caches), so
  its time is what the very first run after a clone or an edit costs, shown on its own;
- floor: `python -c "import torch, pytest"`, a new interpreter importing what every run needs;
- cold: `python -m pytest katas/NN --solutions`, what typing the README's command costs,
  and its ratio to the floor;
- warm: one check as `kata watch` runs it (a child forked from a process that imported
  torch and pytest once), of the solution, so every test runs to the end.
`--watch` adds, for an unsolved kata, the time from saving the learner's file (the same
bytes again) to the result line of a running `kata watch`. Nothing is recorded in
`.kata/progress.json` except by `--watch` (it is a real `kata watch`); pass --root to use
a copy. Numbers depend on the machine and its load: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from torchkatas import index
from torchkatas.cli import find_root

FLOOR = [sys.executable, "-c", "import torch, pytest"]


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", "OMP_NUM_THREADS": "1"}
    env.pop("KATA_REPORT", None)
    return env


def _timed(cmd: list[str], root: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=root, env=_env(), capture_output=True, check=False)
    return time.perf_counter() - start


def cold_command(kata: index.Kata) -> list[str]:
    """The README's per-kata command, on the solution."""
    return [
        sys.executable,
        "-m",
        "pytest",
        f"katas/{kata.id}",
        "--solutions",
        "-q",
        "-p",
        "no:cacheprovider",
    ]


def first_run(root: Path, kata: index.Kata) -> float:
    """Seconds of one cold run that may fill caches (builds, compiled kernels, bytecode)."""
    return _timed(cold_command(kata), root)


def paired(root: Path, kata: index.Kata, repeat: int) -> tuple[list[float], list[float]]:
    """(floor times, cold pytest times), measured alternately so that load affects both."""
    cold_cmd = cold_command(kata)
    floors, colds = [], []
    for _ in range(repeat):
        floors.append(_timed(FLOOR, root))
        colds.append(_timed(cold_cmd, root))
    return floors, colds


def warm_checks(root: Path, kata: index.Kata, repeat: int) -> list[float]:
    """Seconds per check of the solution in a warm runner (torch imported once, then forks)."""
    from torchkatas.warm import WarmRunner

    runner = WarmRunner(root, [kata])
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        runner.run([kata], solutions=True, log_name="bench")
        times.append(time.perf_counter() - start)
    return times


def watch_feedback(root: Path, kata: index.Kata, repeat: int, timeout: float = 120) -> list[float]:
    """Save-to-result seconds in a real `kata watch` (the kata must be unsolved)."""
    result = re.compile(rf"^[✓✗·] {kata.number:02d} · ")
    cmd = [sys.executable, "-m", "torchkatas.cli", "--root", str(root), "watch", kata.id]
    proc = subprocess.Popen(
        cmd,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def until(pattern: re.Pattern[str] | str) -> float:
        deadline = time.monotonic() + timeout
        while True:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            if line is None:
                raise RuntimeError("kata watch ended early (is the kata solved already?)")
            hit = pattern.search(line) if isinstance(pattern, re.Pattern) else pattern in line
            if hit:
                return time.perf_counter()

    threading.Thread(target=read, daemon=True).start()
    learner = kata.stub_path(root)
    times = []
    try:
        until(f"Watching katas/{kata.id}")
        for _ in range(repeat):
            time.sleep(0.5)  # a learner does not save twice in the same instant
            start = time.perf_counter()
            learner.write_bytes(learner.read_bytes())  # a save, same content
            times.append(until(result) - start)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return times


def median(times: list[float]) -> float:
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("katas", nargs="*", help="katas: 03, 3, 03_autograd or autograd")
    parser.add_argument("--all", action="store_true", help="every kata in katas.toml")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement")
    parser.add_argument("--watch", action="store_true", help="also save-to-result in kata watch")
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args(argv)
    root = (args.root or find_root(Path.cwd()) or index.ROOT).resolve()
    everything = index.load(root)
    if args.all == bool(args.katas):
        parser.error("name some katas, or --all")
    katas = everything if args.all else [index.find(n, everything) for n in args.katas]
    print(
        f"{root}: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs, "
        f"medians of {args.repeat}, in seconds"
    )
    head = f"{'kata':<28} {'first':>6} {'floor':>6} {'cold':>6} {'ratio':>6} {'warm':>6}"
    print(head + ("  watch" if args.watch else ""))
    for kata in katas:
        first = first_run(root, kata)
        floors, colds = paired(root, kata, args.repeat)
        warm = warm_checks(root, kata, args.repeat)
        line = (
            f"{kata.id:<28} {first:6.2f} {median(floors):6.2f} {median(colds):6.2f} "
            f"{median(colds) / median(floors):6.2f} {median(warm):6.2f}"
        )
        if args.watch:
            line += f"  {median(watch_feedback(root, kata, args.repeat)):5.2f}"
        print(line + ("  (distributed)" if "distributed" in kata.markers else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
