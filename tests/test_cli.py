"""The `kata` command, run against a small throwaway copy of the repository.

Each test gets its own copy (a git repository holding two toy katas, their solutions and the
real conftest.py and pyproject.toml), so tests can edit the learner's files and run in any
order or in parallel. Commands that need no pytest run go through typer's CliRunner, in this
process; the rest run `python -m torchkatas.cli` as a subprocess, like a learner would.
"""

from __future__ import annotations

import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from torchkatas import cli, index, pristine
from torchkatas.progress import Store, file_hash

# every test here starts processes: its limit is a hang guard, generous for a loaded
# machine (the default 60 s is for a learner's single kata test)
pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[1]

INDEX = """
[[kata]]
id = "01_double"
title = "Double a number"
track = "Tensors"
module = "double"
tasks = ["double(x)"]
hints = ["First hint: x[i] times [b]two[/b].", "Second hint: by two.", "Last: return 2 * x."]

[[kata]]
id = "02_halve"
title = "Halve a number"
track = "Tensors"
module = "halve"
tasks = ["halve(x)"]
hints = ["Divide by two."]
"""

STUB = '''"""Kata {n}: {fn}. See README.md in this folder."""


def {fn}(x: float) -> float:
    """{doc}"""
    # TODO: one arithmetic operation
    raise NotImplementedError("TODO: {fn}(x)")
'''

SOLUTION = '''"""Kata {n}: {fn}. See README.md in this folder."""


def {fn}(x: float) -> float:
    """{doc}"""
    return {body}
'''

TESTS = """import pytest

from torchkatas.harness import load_kata

kata = load_kata(__file__)


@pytest.mark.task(1)
@pytest.mark.parametrize("x", [0.0, 1.0, 5.0])
def test_{fn}_of_x(x):
    got = kata.{fn}(x)
    if got != {expected}:
        raise AssertionError(f"{fn}({{x}}) returned {{got}}, expected {{{expected}}}")
"""

README = """# {n} · {title}

The question: write `{fn}(x)`.

## Tasks

1. `{fn}(x)`

## Run it

    pytest katas/{id}
"""

KATAS = {
    "01_double": dict(n="01", fn="double", doc="Twice x.", body="2 * x", expected="2 * x"),
    "02_halve": dict(n="02", fn="halve", doc="Half of x.", body="x / 2", expected="x / 2"),
}
TITLES = {"01_double": "Double a number", "02_halve": "Halve a number"}
README_TEXT = f"# Toy\n\n{index.TABLE_BEGIN}\nold table\n{index.TABLE_END}\n\nThe end.\n"


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=kata", "-c", "user.email=kata@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh repository: katas 01_double and 02_halve, stubs committed to git."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    (root / "katas.toml").write_text(INDEX)
    (root / "README.md").write_text(README_TEXT)
    (root / ".gitignore").write_text(".kata/\n__pycache__/\n")
    for kata_id, spec in KATAS.items():
        folder, sol = root / "katas" / kata_id, root / "solutions" / kata_id
        folder.mkdir(parents=True)
        sol.mkdir(parents=True)
        fn = spec["fn"]
        (folder / f"{fn}.py").write_text(STUB.format(**spec))
        (folder / f"test_{fn}.py").write_text(TESTS.format(**spec))
        (folder / "README.md").write_text(README.format(id=kata_id, title=TITLES[kata_id], **spec))
        (sol / f"{fn}.py").write_text(SOLUTION.format(**spec))
    pristine.write(pristine.build(root), pristine.archive_of(root))
    if shutil.which("git"):
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "katas")
    return root


def learner(root: Path, kata_id: str = "01_double") -> Path:
    fn = KATAS[kata_id]["fn"]
    return root / "katas" / kata_id / f"{fn}.py"


def solve(root: Path, kata_id: str = "01_double") -> None:
    fn = KATAS[kata_id]["fn"]
    shutil.copy(root / "solutions" / kata_id / f"{fn}.py", learner(root, kata_id))


def progress(root: Path) -> dict:
    return json.loads((root / ".kata" / "progress.json").read_text())


def set_status(root: Path, kata_id: str, status: str) -> None:
    store = Store(root)
    with store.update() as p:
        rec = p.get(kata_id)
        rec.status, rec.passed = status, 3
        rec.hash = file_hash(learner(root, kata_id))


# ----------------------------------------------------------------------------- how to run kata


def invoke(root: Path, *args: str, input: str | None = None) -> tuple[int, str]:
    """`kata --root ROOT args...` in this process: (exit code, stdout and stderr)."""
    result = CliRunner().invoke(cli.app, ["--root", str(root), *args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def env() -> dict[str, str]:
    e = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", "OMP_NUM_THREADS": "1"}
    e.pop("KATA_REPORT", None)
    return e


def kata(root: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """`kata args...` as a learner runs it: a new process, in the repository."""
    return subprocess.run(
        [sys.executable, "-m", "torchkatas.cli", *args],
        cwd=root,
        env=env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Live:
    """A `kata` process whose output is read line by line while it runs."""

    def __init__(self, root: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "torchkatas.cli", *args],
            cwd=root,
            env=env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.seen):
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                line = ""
            if line is None or left <= 0:
                self.kill()
                raise AssertionError(f"{text!r} never came; output so far:\n{self.output}")
            self.seen.append(line)

    def finish(self, timeout: float = 120) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"kata did not stop; output:\n{self.output}") from None
        while (line := self.lines.get(timeout=5)) is not None:
            self.seen.append(line)
        self.kill()  # closes the pipes
        return code

    def type(self, line: str) -> None:
        """Type a line on the process's keyboard."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(timeout=10)
        if self.proc.stdin is not None:
            self.proc.stdin.close()

    @property
    def output(self) -> str:
        return "".join(self.seen)


@pytest.fixture
def live() -> Callable[..., Live]:
    started: list[Live] = []

    def start(root: Path, *args: str) -> Live:
        started.append(Live(root, *args))
        return started[-1]

    yield start
    for process in started:
        process.kill()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Rich wraps at 80 columns when not in a terminal; the tests read whole lines."""
    from torchkatas import ui

    monkeypatch.setattr(ui.console, "_width", 200)
    monkeypatch.setattr(ui.err_console, "_width", 200)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="kata reset reads git")
needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGINT test")


# ----------------------------------------------------------------------------- in-process commands


def test_help_lists_every_command(repo):
    code, out = invoke(repo, "--help")
    assert code == 0, out
    for command in (
        "list",
        "run",
        "next",
        "watch",
        "hint",
        "diff",
        "reset",
        "verify",
        "interview",
        "table",
    ):
        assert f" {command} " in out, f"`kata --help` does not list {command}:\n{out}"


def test_list_shows_every_kata_in_order_with_title_track_and_status(repo):
    code, out = invoke(repo, "list")
    assert code == 0, out
    assert out.index("01 double") < out.index("02 halve"), out
    for text in ("Double a number", "Halve a number", "Tensors", "not started"):
        assert text in out, f"{text!r} missing from `kata list`:\n{out}"
    assert "0 of 2 katas solved" in out, out


def test_list_counts_solved_katas_in_the_progress_bar(repo):
    set_status(repo, "02_halve", "solved")
    _, out = invoke(repo, "list")
    assert "1 of 2 katas solved" in out, out
    assert "kata next (01" in out, out


def test_list_marks_a_status_stale_once_the_learner_file_changes(repo):
    set_status(repo, "01_double", "solved")
    _, out = invoke(repo, "list")
    assert "solved*" not in out and "stale" not in out, out
    learner(repo).write_text(learner(repo).read_text() + "\n# edited\n")
    _, out = invoke(repo, "list")
    assert "solved*" in out and "stale" in out, f"an edited file's status is not stale:\n{out}"


@pytest.mark.parametrize(
    "command", [["run"], ["hint"], ["diff", "--yes"], ["reset"], ["watch"]], ids=lambda c: c[0]
)
def test_a_bad_kata_name_exits_2_and_lists_close_matches(repo, command):
    code, out = invoke(repo, command[0], "dubble", *command[1:])
    assert code == 2, out
    assert "no kata named 'dubble'. Did you mean: double" in out, out


def test_a_name_matching_nothing_points_to_kata_list(repo):
    code, out = invoke(repo, "hint", "zzzzzz")
    assert code == 2 and "kata list" in out, out


@pytest.mark.parametrize("name", ["01", "1", "01_double", "double"])
def test_every_form_of_a_kata_name_works(repo, name):
    code, out = invoke(repo, "hint", name)
    assert code == 0 and "Hint 1 of 3 for 01" in out, out


def test_hint_shows_one_more_each_time_then_stays_on_the_last(repo):
    outputs = [invoke(repo, "hint", "01")[1] for _ in range(4)]
    assert "First hint: x[i] times [b]two[/b]." in outputs[0], "the hint is not shown as written"
    assert "Hint 1 of 3" in outputs[0], outputs[0]
    assert "Second hint" in outputs[1] and "Hint 2 of 3" in outputs[1], outputs[1]
    assert "Last: return 2 * x." in outputs[2] and "That was the last hint" in outputs[2]
    assert "Hint 3 of 3" in outputs[3], outputs[3]
    assert progress(repo)["katas"]["01_double"]["hints_shown"] == 3


@pytest.mark.parametrize("content", ["{not json", "[1, 2, 3]", '{"katas": []}', "\x00\xff garbage"])
def test_a_corrupt_progress_file_is_rebuilt_not_a_crash(repo, content):
    (repo / ".kata").mkdir()
    (repo / ".kata" / "progress.json").write_text(content, errors="surrogateescape")
    code, out = invoke(repo, "list")
    assert code == 0, out
    assert "starting a fresh one" in out, out
    kept = list((repo / ".kata").glob("progress.json.corrupt-*"))
    assert len(kept) == 1, "the unreadable file was not kept aside"
    code, out = invoke(repo, "hint", "01")
    assert code == 0, out
    assert progress(repo)["katas"]["01_double"]["hints_shown"] == 1


def test_a_progress_record_with_bad_fields_keeps_the_good_ones(repo):
    (repo / ".kata").mkdir()
    (repo / ".kata" / "progress.json").write_text(
        json.dumps({"katas": {"01_double": {"status": "bogus", "hints_shown": 2, "passed": -1}}})
    )
    _, out = invoke(repo, "hint", "01")
    assert "Hint 3 of 3" in out, out


def test_diff_asks_before_showing_the_solution_of_an_unsolved_kata(repo):
    code, out = invoke(repo, "diff", "01", input="n\n")
    assert code == 1, out
    assert "Show its solution anyway?" in out, out
    assert "return 2 * x" not in out, f"the solution was shown after 'no':\n{out}"
    code, out = invoke(repo, "diff", "01", input="")  # no answer at all: not shown
    assert code == 1 and "return 2 * x" not in out, out
    code, out = invoke(repo, "diff", "01", input="y\n")
    assert code == 0, out
    assert "+    return 2 * x" in out and '-    raise NotImplementedError("TODO: double(x)")' in out


def test_diff_yes_and_a_solved_kata_skip_the_question(repo):
    code, out = invoke(repo, "diff", "01", "--yes")
    assert code == 0 and "anyway?" not in out and "+    return 2 * x" in out, out
    solve(repo)
    set_status(repo, "01_double", "solved")
    code, out = invoke(repo, "diff", "01")
    assert code == 0 and "anyway?" not in out, out
    assert "the same as the solution" in out, out


def test_reset_backs_up_the_learner_file_then_restores_the_stub(repo):
    stub = learner(repo).read_text()
    work = stub.replace('raise NotImplementedError("TODO: double(x)")', "return x + x  # mine")
    learner(repo).write_text(work)
    code, out = invoke(repo, "reset", "01")
    assert code == 0, out
    backups = sorted((repo / ".kata" / "backups" / "01_double").glob("double-*.py"))
    assert len(backups) == 1, out
    assert backups[0].read_text() == work, "the backup is not the learner's file"
    assert str(backups[0].relative_to(repo)) in out, f"reset does not name the backup:\n{out}"
    assert learner(repo).read_text() == stub, "the stub was not restored"


def test_reset_twice_keeps_every_version(repo):
    versions = []
    for i in range(3):
        text = f"def double(x):\n    return {i}\n"
        learner(repo).write_text(text)
        versions.append(text)
        assert invoke(repo, "reset", "double")[0] == 0
    backups = sorted((repo / ".kata" / "backups" / "01_double").glob("*.py"))
    assert sorted(b.read_text() for b in backups) == sorted(versions)


def test_reset_of_an_untouched_stub_changes_nothing(repo):
    code, out = invoke(repo, "reset", "01")
    assert code == 0 and "nothing to reset" in out, out
    assert not (repo / ".kata" / "backups").exists()


def test_reset_without_git_restores_the_original_stub(repo):
    stub = learner(repo).read_text()
    shutil.rmtree(repo / ".git", ignore_errors=True)  # a downloaded archive has no .git
    learner(repo).write_text("mine\n")
    code, out = invoke(repo, "reset", "01")
    assert code == 0, out
    assert learner(repo).read_text() == stub


@needs_git
def test_reset_after_the_learner_committed_their_work_restores_the_original(repo):
    stub = learner(repo).read_text()
    learner(repo).write_text("def double(x):\n    return x + x\n")
    git(repo, "commit", "-qam", "my work")
    code, out = invoke(repo, "reset", "01")
    assert code == 0 and "nothing to reset" not in out, out
    assert learner(repo).read_text() == stub


def test_reset_that_cannot_find_the_stub_leaves_the_file_alone(repo):
    (repo / "stubs.json").write_text('{"format": 1, "stubs": {}}\n')
    learner(repo).write_text("mine\n")
    code, out = invoke(repo, "reset", "01")
    assert code == 1 and "Nothing was changed" in out, out
    assert learner(repo).read_text() == "mine\n"
    assert not (repo / ".kata" / "backups").exists()


def test_reset_with_an_unwritable_backup_folder_changes_nothing(repo):
    learner(repo).write_text("mine\n")
    # .kata/ cannot be made (a file is in the way): unwritable even for root
    (repo / ".kata").write_text("not a folder\n")
    code, out = invoke(repo, "reset", "01")
    assert code == 1 and "cannot back up" in out and "Nothing was changed" in out, out
    assert learner(repo).read_text() == "mine\n"


def test_reset_clears_the_recorded_status(repo):
    learner(repo).write_text("mine\n")
    set_status(repo, "01_double", "solved")
    invoke(repo, "reset", "01")
    assert progress(repo)["katas"]["01_double"]["status"] is None


def test_stubs_check_and_write_keep_the_archive_equal_to_katas(repo):
    code, out = invoke(repo, "stubs", "--check")
    assert code == 0, out
    stub = learner(repo)
    stub.write_text(stub.read_text() + "# a contributor's change\n")
    code, out = invoke(repo, "stubs", "--check")
    assert code == 1 and "katas/01_double/double.py differs" in out, out
    assert invoke(repo, "stubs", "--write")[0] == 0
    assert invoke(repo, "stubs", "--check")[0] == 0


def test_table_prints_checks_and_writes_the_readme_table(repo):
    code, out = invoke(repo, "table")
    assert code == 0 and out.strip() == index.table(index.load(repo)), out
    code, out = invoke(repo, "table", "--check")
    assert code == 1 and "kata table --write" in out, out
    code, out = invoke(repo, "table", "--write")
    assert code == 0, out
    assert "| 02 | [02_halve](katas/02_halve/README.md)" in (repo / "README.md").read_text()
    assert (repo / "README.md").read_text().endswith("The end.\n")
    code, out = invoke(repo, "table", "--check")
    assert code == 0, out


def test_the_real_readme_table_check_runs_as_a_module():
    proc = subprocess.run(
        [sys.executable, "-m", "torchkatas.cli", "--root", str(REPO), "table"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == index.table(index.load(REPO))


def test_a_folder_without_katas_toml_is_a_clear_error(tmp_path):
    code, out = invoke(tmp_path, "list")
    assert code == 2 and "no katas.toml there" in out, out


def test_a_malformed_index_is_a_clear_error(repo):
    (repo / "katas.toml").write_text('[[kata]]\nid = "1_x"\n')
    code, out = invoke(repo, "list")
    assert code == 2 and "missing field" in out, out


def test_interview_rejects_an_unknown_track(repo):
    code, out = invoke(repo, "interview", "--track", "Tensor")
    assert code == 2 and "Did you mean: Tensors" in out, out


def test_interview_with_everything_solved_says_so(repo):
    for kata_id in KATAS:
        set_status(repo, kata_id, "solved")
    code, out = invoke(repo, "interview")
    assert code == 1 and "nothing left to interview on" in out, out


def test_next_with_everything_solved_says_so(repo):
    for kata_id in KATAS:
        set_status(repo, kata_id, "solved")
    code, out = invoke(repo, "next")
    assert code == 0 and "Every kata is solved" in out, out


def test_interview_picks_are_seeded_and_unsolved():
    from torchkatas import watch
    from torchkatas.progress import Progress

    katas = [index.Kata(f"{n:02d}_k{n}", "t", "Tensors", "m", ("a",), ("h",)) for n in range(1, 9)]
    done = Progress()
    done.get("03_k3").status = "solved"
    first = watch.pick(katas, done, 4, seed=7)
    assert first == watch.pick(katas, done, 4, seed=7)
    assert len(set(first)) == 4 and all(k.id != "03_k3" for k in first)


# ----------------------------------------------------------------------------- commands that run


@pytest.mark.slow
def test_run_reports_each_failure_with_its_message_then_solved(repo):
    learner(repo).write_text("def double(x):\n    return x + 3\n")
    proc = kata(repo, "run", "double")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "test_double_of_x[0.0]: double(0.0) returned 3.0, expected 0.0" in proc.stdout
    assert "0 of 3 tests pass" in proc.stdout, proc.stdout
    assert progress(repo)["katas"]["01_double"]["status"] == "failing"

    solve(repo)
    proc = kata(repo, "run", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "solved, 3 of 3 tests pass" in proc.stdout
    record = progress(repo)["katas"]["01_double"]
    assert record["status"] == "solved" and record["passed"] == 3
    assert record["hash"] == file_hash(learner(repo))


def test_no_tests_collected_is_an_error_never_solved(tmp_path):
    from torchkatas.runner import NO_TESTS, RunError, read_report

    report, log = tmp_path / "report.json", tmp_path / "log.txt"
    report.write_text(json.dumps({"exitstatus": NO_TESTS, "tests": []}))
    log.write_text("no tests ran\n")
    with pytest.raises(RunError, match="found no tests"):
        read_report(report, NO_TESTS, log, tmp_path)


def test_a_kata_with_only_skipped_tests_is_not_solved():
    from torchkatas.runner import KataResult, TestOutcome

    kata_ = index.Kata("01_double", "t", "Tensors", "double", ("a",), ("h",))
    skipped = KataResult(kata_, [TestOutcome("katas/01_double/t.py::x", "skipped")])
    assert skipped.status != "solved"
    assert KataResult(kata_, []).status != "solved"


@pytest.mark.slow
def test_a_cuda_run_without_a_gpu_says_what_to_do(repo):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    proc = kata(repo, "run", "01", "--device", "cuda")
    assert proc.returncode == 1
    assert "no CUDA device here" in proc.stderr, proc.stdout + proc.stderr


@pytest.mark.slow
def test_next_shows_the_question_then_the_results(repo):
    set_status(repo, "01_double", "solved")
    proc = kata(repo, "next")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "The question: write halve(x)." in out, out
    assert "pytest katas/02_halve" not in out, "the README's `Run it` section is shown"
    assert out.index("The question") < out.index("not implemented yet: halve()"), out


@pytest.mark.slow
def test_verify_runs_every_kata_records_them_and_fails_until_all_solve(repo):
    solve(repo, "01_double")
    proc = kata(repo, "verify")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    katas = progress(repo)["katas"]
    assert katas["01_double"]["status"] == "solved"
    assert katas["02_halve"]["status"] == "not started"
    assert "1 of 2 katas solved" in proc.stdout, proc.stdout

    proc = kata(repo, "verify", "--solutions", "--workers", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 of 2 katas solved" in proc.stdout, proc.stdout
    assert progress(repo)["katas"]["02_halve"]["status"] == "not started", "--solutions recorded"


@pytest.mark.slow
@needs_fork
def test_watch_checks_on_save_moves_on_gives_hints_and_stops_cleanly_on_ctrl_c(repo, live):
    watch = live(repo, "watch", "01")
    watch.wait_for("Watching katas/01_double")
    assert "not implemented yet: double()" in watch.output
    solve(repo, "01_double")
    watch.wait_for("Next: 02")  # passed, so on to the next kata
    watch.wait_for("Watching katas/02_halve")
    assert "✓ 01 · Double a number: solved" in watch.output, watch.output
    watch.type("h")  # a key typed while watching: the next hint
    watch.wait_for("Hint 1 of 1: Divide by two.")
    watch.proc.send_signal(signal.SIGINT)
    code = watch.finish()
    assert code == 130, watch.output
    assert "Traceback" not in watch.output, watch.output
    assert "Stopped watching" in watch.output
    katas = progress(repo)["katas"]
    assert katas["01_double"]["status"] == "solved"
    assert katas["02_halve"]["status"] == "not started"


@pytest.mark.slow
@needs_fork
def test_interview_passes_a_kata_on_save_and_reports_it(repo, live):
    session = live(repo, "interview", "--count", "1", "--minutes", "5", "--seed", "3")
    session.wait_for("Question 1 of 1")
    picked = "01_double" if "Double a number" in session.output else "02_halve"
    solve(repo, picked)
    assert session.finish(timeout=180) == 0, session.output
    out = session.output
    assert "Interview report: every question answered" in out, out
    assert "solved" in out and "1 of 1 solved" in out, out
    interviews = progress(repo)["interviews"]
    assert interviews[-1]["katas"][0] == {
        "id": picked,
        "solved": True,
        "seconds": interviews[-1]["katas"][0]["seconds"],
    }


@pytest.mark.slow
@needs_fork
def test_interview_ends_when_time_is_up(repo, live):
    session = live(repo, "interview", "--count", "2", "--minutes", "0.02")
    assert session.finish(timeout=180) == 0, session.output
    assert "Interview report: time is up" in session.output, session.output
    assert "0 of 2 solved" in session.output and "not reached" in session.output


@pytest.mark.slow
@needs_fork
def test_ctrl_c_in_an_interview_prints_the_report_without_a_traceback(repo, live):
    session = live(repo, "interview", "--count", "2", "--minutes", "5")
    session.wait_for("Question 1 of 2")
    time.sleep(0.5)
    session.proc.send_signal(signal.SIGINT)
    assert session.finish() == 130, session.output
    assert "Traceback" not in session.output, session.output
    assert "Interview report: stopped with Ctrl-C" in session.output, session.output
    assert progress(repo)["interviews"][-1]["ended"] == "stopped with Ctrl-C"


@pytest.mark.parametrize("forks", [True, False], ids=["fork", "no fork"])
def test_watch_and_interview_say_whether_checks_are_warm(monkeypatch, forks):
    """Where this system cannot fork (macOS, Windows), every check is a cold pytest: the
    learner is told so, instead of a "Warming up" that warms nothing."""
    from rich.console import Console

    from torchkatas import warm, watch

    monkeypatch.setattr(warm, "can_fork", lambda: forks)
    monkeypatch.setattr(warm, "warm_up", lambda root, katas: None)  # not torch in this process
    out = Console(record=True, width=200)
    runner = watch.start_runner(REPO, index.load(REPO)[:1], out)
    text = out.export_text()
    assert runner.fork is forks, f"start_runner made a runner with fork={runner.fork}"
    said = ("Warming up" in text and "Ready in" in text, "Checks start a new pytest each" in text)
    assert said == (forks, not forks), f"can_fork() is {forks}, yet start_runner printed {text!r}"


# ----------------------------------------------------------------------------- what a learner sees


def test_help_gives_every_command_one_complete_line():
    command = typer.main.get_command(cli.app)
    for name, sub in command.commands.items():
        line = sub.get_short_help_str(limit=45)
        assert line == sub.short_help and line.endswith("."), (name, line)
        assert "..." not in line, f"`kata --help` cuts {name}'s line: {line!r}"
    code, out = invoke(REPO, "--help")
    assert code == 0, out
    flat = " ".join(out.split())
    for name, sub in command.commands.items():
        assert " ".join(sub.short_help.split()) in flat, f"{name}: {sub.short_help!r} not shown"


def test_next_shows_the_title_once(repo):
    from torchkatas import ui

    kata_ = index.find("01", index.load(repo))
    with ui.console.capture() as captured:
        ui.console.print(ui.question(kata_, repo))
    assert "Double a number" not in captured.get(), "the question repeats the title"
    assert "The question: write" in captured.get()


def test_failures_are_shown_whole_and_the_most_specific_first():
    from torchkatas import ui
    from torchkatas.runner import TestOutcome

    long_tail = "x" * 400
    outcomes = [
        TestOutcome("k::test_a", "failed", f"values differ {long_tail}. Likely mistake: A, or B."),
        TestOutcome(
            "k::test_b", "failed", "the batch order was not kept. Likely mistake: sorting."
        ),
        TestOutcome("k::test_c", "failed", "square() raised IndexError", status="crash"),
        TestOutcome("k::test_d", "failed", "plain message"),
    ]
    lines = [line.plain for line in ui._failure_lines(outcomes)]
    assert [line.split(":", 1)[0].strip() for line in lines] == [
        "test_b",
        "test_a",
        "test_d",
        "test_c",
    ]
    assert lines[1].endswith("Likely mistake: A, or B."), "a long message was cut"


def test_the_collector_keeps_a_whole_multi_line_message():
    from torchkatas.collect import message_of

    class Crash:
        message = "AssertionError: first line\nsecond line. Likely mistake: the last clause."

    class Report:
        reprcrash = Crash()

    assert message_of(Report()) == "first line\nsecond line. Likely mistake: the last clause."
    assert message_of("harness message\n\ntraceback below") == "harness message"


@pytest.mark.slow
def test_run_shows_a_long_message_with_its_likely_mistake_whole(repo):
    test_file = repo / "katas" / "01_double" / "test_double.py"
    test_file.write_text(
        test_file.read_text()
        + """

@pytest.mark.task(1)
def test_long_message():
    kata.double(1.0)
    raise AssertionError("double(1.0): " + "a long account of what came back, " * 12
                         + "Likely mistake: the very last words of a long message.")
"""
    )
    solve(repo)
    proc = kata(repo, "run", "01")
    flat = " ".join(proc.stdout.split())
    assert "Likely mistake: the very last words of a long message." in flat, proc.stdout


def test_a_run_shows_which_test_runs_now_and_for_how_long(repo):
    from torchkatas.runner import cold_run

    test_file = repo / "katas" / "01_double" / "test_double.py"
    test_file.write_text(
        test_file.read_text() + "\n\n@pytest.mark.task(1)\ndef test_takes_a_while():\n"
        "    import time\n    time.sleep(1.5)\n"
    )
    seen: list[tuple[str, float, int]] = []
    katas = index.load(repo)
    cold_run(repo, [katas[0]], progress=lambda *now: seen.append(now))
    assert any(t.endswith("test_takes_a_while") and s > 0 for t, s, _ in seen), seen


# ----------------------------------------------------------------------------- damage and rights


@pytest.mark.parametrize(
    "content",
    ["[" * 100_000 + "]" * 100_000, '{"katas": {"01_double": {"passed": 1' + "0" * 5000 + "}}}"],
    ids=["nested-too-deep", "huge-integer"],
)
def test_progress_that_python_cannot_parse_is_set_aside_and_the_run_still_recorded(repo, content):
    (repo / ".kata").mkdir()
    (repo / ".kata" / "progress.json").write_text(content)
    set_status(repo, "01_double", "solved")  # loads, rebuilds, records
    assert progress(repo)["katas"]["01_double"]["status"] == "solved"
    assert list((repo / ".kata").glob("progress.json.corrupt-*"))


def test_two_damaged_files_set_aside_in_one_second_are_both_kept(repo):
    (repo / ".kata").mkdir()
    for text in ("{broken one", "{broken two"):
        (repo / ".kata" / "progress.json").write_text(text)
        Store(repo).load()
    kept = sorted(p.read_text() for p in (repo / ".kata").glob("progress.json.corrupt-*"))
    assert kept == ["{broken one", "{broken two"]


@pytest.mark.slow
def test_a_run_with_an_unwritable_state_folder_says_so_and_still_reports(repo):
    (repo / ".kata").write_text("a file where the folder should be\n")
    proc = kata(repo, "run", "01")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "not implemented yet: double()" in proc.stdout, proc.stdout + proc.stderr
    err = " ".join(proc.stderr.split())
    assert "could not save your progress" in err and "not recorded" in err, proc.stderr
    assert "the test log and report went to" in err, proc.stderr


def test_kata_outside_a_checkout_names_the_checkout_it_uses(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "torchkatas.cli", "hint", "01"],
        cwd=tmp_path,
        env={**env(), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if (REPO / "katas.toml").is_file():
        err = " ".join(proc.stderr.split())
        assert f"not inside a torch-katas checkout; using {REPO}" in err, proc.stderr


# ----------------------------------------------------------------------------- stopping cleanly

SPAWNS = """import subprocess
import sys
from pathlib import Path

import pytest

from torchkatas.harness import load_kata

kata = load_kata(__file__)


@pytest.mark.task(1)
def test_starts_a_helper_process():
    kata.double(1.0)  # reached only once solved
    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    Path(__file__).with_name("helper.pid").write_text(str(helper.pid))
    try:
        helper.wait()
    finally:  # what run_ranks and run_torchrun do: no process outlives its test
        helper.kill()
        helper.wait()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_kata_run_lets_the_tests_clean_up_every_process(repo, sig):
    solve(repo)
    (repo / "katas" / "01_double" / "test_spawns.py").write_text(SPAWNS)
    pid_file = repo / "katas" / "01_double" / "helper.pid"
    proc = subprocess.Popen(
        [sys.executable, "-m", "torchkatas.cli", "run", "01"],
        cwd=repo,
        env=env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 200
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pid_file.exists(), "the test never started its helper"
        helper = int(pid_file.read_text())
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=120)
        assert "Traceback" not in out, out
        assert not _alive(helper), "a process the test started outlived `kata run`"
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.slow
@needs_fork
def test_watch_acts_on_single_keys_and_gives_the_terminal_back(repo):
    import pty
    import termios

    leader, follower = pty.openpty()
    before = termios.tcgetattr(follower)
    proc = subprocess.Popen(
        [sys.executable, "-m", "torchkatas.cli", "watch", "01"],
        cwd=repo,
        env=env(),
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    seen = b""

    def read_until(text: bytes, timeout: float = 200) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while text not in seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never came:\n{seen.decode(errors='replace')}")
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(leader, 4096)
                except OSError:
                    break

    try:
        read_until(b"Watching katas/01_double")
        os.write(leader, b"h")  # no Enter
        read_until(b"Hint 1 of 3")
        os.write(leader, b"q")
        assert proc.wait(timeout=60) == 0
        assert termios.tcgetattr(follower) == before, "the terminal was left in cbreak mode"
    finally:
        proc.kill()
        proc.wait()
        os.close(leader)
        os.close(follower)
