"""The warm runner's parent imports what a kata's checks need, and never the learner's code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork only")

PROBE = """
import json, sys
from pathlib import Path
from torchkatas import index, warm
root = Path(sys.argv[1])
warm.warm_up(root, index.load(root))
print(json.dumps({m: m in sys.modules for m in sys.argv[2:]}))
"""


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "katas" / "01_probe").mkdir(parents=True)
    (root / "katas.toml").write_text(
        textwrap.dedent(
            """
            [[kata]]
            id = "01_probe"
            title = "Probe"
            track = "Tensors"
            module = "probe"
            tasks = ["one"]
            hints = ["a hint"]
            warm = ["warm_listed", "warm_noisy"]
            """
        )
    )
    (root / "katas" / "01_probe" / "probe.py").write_text("raise SystemExit('imported')\n")
    (root / "katas" / "01_probe" / "test_probe.py").write_text(
        "import warm_from_test\nimport probe\n\ndef test_x():\n    pass\n"
    )
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "warm_listed.py").write_text("")
    (lib / "warm_from_test.py").write_text("")
    (lib / "warm_unused.py").write_text("")
    (lib / "warm_noisy.py").write_text("import warnings\nwarnings.warn('noisy at import')\n")
    return root


def test_parent_imports_the_warm_modules_and_the_tests_imports_only(tmp_path):
    root = make_root(tmp_path)
    names = ["warm_listed", "warm_noisy", "warm_from_test", "warm_unused", "probe", "torch"]
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), *names],
        capture_output=True,
        text=True,
        # the kata's folder on the path too, as pytest puts it: its module is still skipped
        env={
            **os.environ,
            "PYTHONPATH": f"{tmp_path / 'lib'}{os.pathsep}{root / 'katas' / '01_probe'}",
            "OMP_NUM_THREADS": "1",
        },
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    imported = json.loads(proc.stdout.splitlines()[-1])
    assert imported == {
        "warm_listed": True,  # katas.toml's warm list
        "warm_noisy": True,
        "warm_from_test": True,  # a test file's top-level import
        "warm_unused": False,
        "probe": False,  # the kata's own module: loaded fresh in each check, never here
        "torch": True,
    }, imported
    assert "noisy at import" not in proc.stderr, f"a warm import printed: {proc.stderr}"
