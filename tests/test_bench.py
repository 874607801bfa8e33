"""The bench measures what its docstring and the README's table say it measures.

Commands are recorded instead of run: what matters here is which command is timed, in
which order, and which number lands in which column.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from torchkatas import bench, index

ROOT = index.ROOT


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Each timed command, in order; a floor takes 1 s, a kata run 3 s, a warm check 0.25 s."""
    calls: list[list[str]] = []

    def timed(cmd: list[str], root: Path) -> float:
        calls.append(cmd)
        return 1.0 if cmd == bench.FLOOR else 3.0

    monkeypatch.setattr(bench, "_timed", timed)
    monkeypatch.setattr(bench, "warm_checks", lambda root, kata, repeat: [0.25] * repeat)
    return calls


def test_a_first_run_fills_caches_before_the_paired_runs(recorded, capsys):
    assert bench.main(["03", "--repeat", "3", "--root", str(ROOT)]) == 0
    cold = [sys.executable, "-m", "pytest", "katas/03_autograd", "--solutions", "-q"]
    cold += ["-p", "no:cacheprovider"]
    expected = [cold] + [bench.FLOOR, cold] * 3
    if recorded != expected:
        raise AssertionError(
            f"bench 03 --repeat 3 ran {recorded}, expected the kata's pytest once, then floor "
            f"and kata alternately three times: a first run fills the C++ and inductor caches."
        )


def test_the_table_has_first_floor_cold_ratio_and_warm(recorded, capsys):
    bench.main(["03", "--repeat", "2", "--root", str(ROOT)])
    lines = capsys.readouterr().out.splitlines()
    head, row = lines[1].split(), lines[2].split()
    if head != ["kata", "first", "floor", "cold", "ratio", "warm"]:
        raise AssertionError(f"bench printed the header {head}, expected first floor cold ...")
    if row != ["03_autograd", "3.00", "1.00", "3.00", "3.00", "0.25"]:
        raise AssertionError(
            f"bench printed {row} for runs of 3 s (kata), 1 s (floor), 0.25 s (warm); "
            f"expected 03_autograd 3.00 1.00 3.00 3.00 0.25: first, floor, cold, ratio, warm."
        )
