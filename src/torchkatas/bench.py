"""Cold `kata run NN` against warm `kata watch NN` feedback, in seconds.

    python -m torchkatas.bench 03 --repeat 5

Cold: the wall time of `kata run NN`, a new process each time (what a learner waits for
after typing it). Warm: with `kata watch NN` running, the time from saving the learner's
file (rewritten with the same bytes) to the result line on watch's output. Run it on a
kata you have not solved (on a solved one, watch moves on to the next kata). It records
runs in `.kata/progress.json` like the commands it times; pass --root to use a copy.
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


def _cmd(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "torchkatas.cli", "--root", str(root), *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}


def cold(root: Path, name: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(_cmd(root, "run", name), env=_env(), capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return times


def warm(root: Path, kata: index.Kata, repeat: int, timeout: float = 120) -> list[float]:
    result = re.compile(rf"^[✓✗·] {kata.number:02d} · ")
    proc = subprocess.Popen(
        _cmd(root, "watch", kata.id),
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
                raise RuntimeError("kata watch ended early")
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
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return times


def _line(label: str, times: list[float]) -> str:
    return (
        f"{label}: median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s over {len(times)} runs"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kata", help="an unsolved kata: 03, 3, 03_autograd or autograd")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args(argv)
    root = (args.root or find_root(Path.cwd()) or index.ROOT).resolve()
    kata = index.find(args.kata, index.load(root))
    print(f"{kata.id} in {root}, load average {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    print(_line("cold `kata run`        ", cold(root, kata.id, args.repeat)))
    print(_line("warm `kata watch` save ", warm(root, kata, args.repeat)))


if __name__ == "__main__":
    main()
