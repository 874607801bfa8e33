"""torchkatas.launch: functions run as spawned ranks, failures and hangs reported, no orphans.

The targets live in a file the test writes under tmp_path and are loaded there by path
(ImplRef), exactly as a kata's implementation is. They avoid importing torch where they can:
a rank that imports torch takes a second or two to start.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from torchkatas import launch
from torchkatas.harness import ImplRef

# every test here starts processes: its limit is a hang guard, generous for a loaded
# machine (the default 60 s is for a learner's single kata test)
pytestmark = pytest.mark.timeout(300)

TARGETS = """
import os
import sys
import time
from pathlib import Path


def echo(rank, world_size, word, *, times=1):
    return {"rank": rank, "world_size": world_size, "words": [word] * times}


def tensors(rank, world_size):
    import torch

    return {"t": torch.full((2,), float(rank)), "omp": os.environ["OMP_NUM_THREADS"]}


def rank_one_fails(rank, world_size, pid_dir):
    Path(pid_dir, f"rank{rank}").write_text(str(os.getpid()))
    if rank == 1:
        raise ValueError("rank one is broken")
    time.sleep(120)  # rank 0 waits for a peer that is gone


def hangs(rank, world_size, pid_dir):
    Path(pid_dir, f"rank{rank}").write_text(str(os.getpid()))
    time.sleep(120)


def not_started(rank, world_size):
    raise NotImplementedError("TODO: not_started")


def not_started_main(argv):
    # both ranks reach the raise together, as a stub's ranks do; each failed rank waits a
    # moment before it exits, so both tracebacks are written before torchrun stops them
    rank, marks = os.environ["RANK"], Path(argv[0])
    (marks / f"ready{rank}").touch()
    deadline = time.monotonic() + 60
    while not (marks / "ready0").exists() or not (marks / "ready1").exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    raise NotImplementedError("TODO: main")


def aborts(rank, world_size):
    os.abort()


def main(argv):
    print(f"rank {os.environ['RANK']} of {os.environ['WORLD_SIZE']}: {argv}", flush=True)


def main_hangs(argv):
    Path(argv[0], f"rank{os.environ['RANK']}").write_text(str(os.getpid()))
    time.sleep(120)


def setup():
    Path(os.environ["SETUP_MARKS"], os.environ["RANK"]).touch()


def node_env(argv):
    keys = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE")
    print("env " + " ".join(f"{k}={os.environ[k]}" for k in keys) + f" argv={argv}", flush=True)


def node_one_fails(argv):
    Path(argv[0], f"rank{os.environ['RANK']}").write_text(str(os.getpid()))
    if os.environ["RANK"] == "1":
        deadline = time.monotonic() + 60  # fail once rank 0 is running, so it must be killed
        while not Path(argv[0], "rank0").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        raise ValueError("node one is broken")
    time.sleep(120)  # rank 0 waits for a peer that is gone
"""


@pytest.fixture
def targets(tmp_path):
    path = tmp_path / "targets.py"
    path.write_text(textwrap.dedent(TARGETS))
    return lambda name: ImplRef(path, None, name)


@pytest.fixture
def pid_dir(tmp_path):
    folder = tmp_path / "pids"
    folder.mkdir()
    return folder


def alive(pid: int) -> bool:
    """Whether a process runs: it exists (signal 0 asks) and is not a zombie awaiting reaping."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def assert_all_gone(pid_dir: Path, expected: int) -> None:
    pids = [int(p.read_text()) for p in pid_dir.iterdir()]
    assert len(pids) == expected, f"expected {expected} rank pid files, found {len(pids)}"
    assert [pid for pid in pids if alive(pid)] == [], "ranks left running"


@pytest.mark.distributed
def test_each_rank_returns_its_value_in_rank_order(targets, tmp_path):
    results = launch.run_ranks(
        targets("echo"), 3, ("hi",), {"times": 2}, tmp_path=tmp_path, timeout=60
    )
    assert results == [{"rank": r, "world_size": 3, "words": ["hi", "hi"]} for r in range(3)]


@pytest.mark.distributed
def test_tensors_come_back_and_ranks_use_one_thread(targets, tmp_path):
    import torch

    results = launch.run_ranks(targets("tensors"), 2, tmp_path=tmp_path, timeout=60)
    for rank, result in enumerate(results):
        assert torch.equal(result["t"], torch.full((2,), float(rank)))
        assert result["omp"] == "1"


@pytest.mark.distributed
def test_a_failing_rank_is_reported_with_its_traceback_and_its_peer_killed(
    targets, tmp_path, pid_dir, monkeypatch
):
    monkeypatch.setattr(launch, "GRACE_S", 0.5)
    with pytest.raises(launch.RanksFailed) as err:
        launch.run_ranks(targets("rank_one_fails"), 2, (str(pid_dir),), tmp_path=tmp_path)
    message = str(err.value)
    assert "rank 1 exited with code 1:" in message
    assert 'raise ValueError("rank one is broken")' in message
    assert "ValueError: rank one is broken" in message
    assert "rank 0 was still running and was killed" in message
    assert "look at the failed rank's traceback first" in message
    assert [(o.rank, o.killed) for o in err.value.outcomes] == [(0, True), (1, False)]
    assert_all_gone(pid_dir, 2)


@pytest.mark.distributed
@pytest.mark.timeout(300)
def test_a_hanging_rank_is_killed_at_the_deadline(targets, tmp_path, pid_dir):
    with pytest.raises(launch.RanksFailed) as err:
        launch.run_ranks(targets("hangs"), 2, (str(pid_dir),), tmp_path=tmp_path, timeout=3)
    message = str(err.value)
    assert "every rank was still running after 3 s" in message
    assert "rank 0 was still running and was killed" in message
    assert "rank 1 was still running and was killed" in message
    assert_all_gone(pid_dir, 2)


@pytest.mark.distributed
def test_not_implemented_stays_not_implemented(targets, tmp_path):
    with pytest.raises(NotImplementedError, match="not started yet") as err:
        launch.run_ranks(targets("not_started"), 2, tmp_path=tmp_path, label="not_started()")
    assert str(err.value).startswith("not_started() on 2 rank(s): rank 0 raised")
    assert "NotImplementedError: TODO: not_started" in str(err.value)


@pytest.mark.distributed
def test_a_crash_in_native_code_names_the_signal(targets, tmp_path):
    with pytest.raises(launch.RanksFailed, match="died from signal SIGABRT"):
        launch.run_ranks(targets("aborts"), 1, tmp_path=tmp_path)


def test_rendezvous_helpers_give_fresh_addresses(tmp_path):
    first, second = launch.file_init_method(tmp_path), launch.file_init_method(tmp_path)
    assert first.startswith("file://") and first != second
    assert not Path(first.removeprefix("file://")).exists()
    assert 1024 <= launch.free_port() <= 65535


@pytest.mark.distributed
@pytest.mark.timeout(300)
def test_torchrun_runs_setup_then_the_function_in_every_rank(targets, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    done = launch.run_torchrun(
        targets("main"),
        2,
        ["--flag", "x"],
        tmp_path=tmp_path,
        setup=targets("setup"),
        env={"SETUP_MARKS": str(marks)},
    )
    for rank in (0, 1):
        assert f"rank {rank} of 2: ['--flag', 'x']" in done.stdout
    assert sorted(p.name for p in marks.iterdir()) == ["0", "1"]


@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_torchrun_past_its_deadline_is_killed_with_its_ranks(targets, tmp_path, pid_dir):
    # 40 s: long enough for torchrun and two ranks to start on a loaded 2-core machine
    with pytest.raises(launch.TorchrunFailed, match="still running after 40 s"):
        launch.run_torchrun(targets("main_hangs"), 2, [str(pid_dir)], tmp_path=tmp_path, timeout=40)
    assert_all_gone(pid_dir, 2)


@pytest.mark.distributed
@pytest.mark.timeout(300)
def test_torchrun_keeps_its_temporary_files_under_tmp_path(targets, tmp_path):
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("torchelastic_*"))
    launch.run_torchrun(targets("main"), 2, tmp_path=tmp_path)
    after = set(Path(tempfile.gettempdir()).glob("torchelastic_*"))
    assert after - before == set(), f"torchrun left {sorted(after - before)} in /tmp"
    assert list(tmp_path.glob("torchrun-tmp-*/torchelastic_*")), "torchrun wrote no temp here"


KILLED_PARENT = """
import sys
from pathlib import Path

from torchkatas import launch
from torchkatas.harness import ImplRef

if __name__ == "__main__":  # spawn re-imports this file in each rank
    ref = ImplRef(Path(sys.argv[1]), None, sys.argv[3])
    if sys.argv[3] == "hangs":
        launch.run_ranks(ref, 2, (sys.argv[2],), tmp_path=sys.argv[4], timeout=600)
    else:
        launch.run_torchrun(ref, 2, [sys.argv[2]], tmp_path=sys.argv[4], timeout=600)
"""


@pytest.mark.distributed
@pytest.mark.timeout(300)
@pytest.mark.parametrize("target", ["hangs", "main_hangs"])
def test_ranks_die_when_the_process_that_started_them_is_killed(targets, tmp_path, pid_dir, target):
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(KILLED_PARENT)
    ref = targets(target)
    parent = subprocess.Popen(
        [sys.executable, str(script), str(ref.path), str(pid_dir), target, str(tmp_path)]
    )
    try:
        deadline = time.monotonic() + 120
        while len(list(pid_dir.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(list(pid_dir.iterdir())) == 2, "the ranks never started"
        parent.send_signal(signal.SIGKILL)  # no clean-up can run: only the kernel's
        parent.wait()
        pids = [int(p.read_text()) for p in pid_dir.iterdir()]
        deadline = time.monotonic() + 60
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in pids if alive(pid)] == [], "ranks outlived their parent"
    finally:
        parent.kill()
        parent.wait()


@pytest.mark.distributed
@pytest.mark.timeout(300)
def test_torchrun_reports_the_ranks_tracebacks(targets, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    with pytest.raises(NotImplementedError, match="not started yet") as err:
        launch.run_torchrun(targets("not_started_main"), 2, [str(marks)], tmp_path=tmp_path)
    assert "rank 0 raised" in str(err.value) and "rank 1 raised" in str(err.value)


@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_torchrun_nodes_each_run_one_rank_with_its_own_local_rank(targets, tmp_path):
    done = launch.run_torchrun_nodes(targets("node_env"), 2, ["x"], tmp_path=tmp_path)
    lines = sorted(line for run in done for line in run.stdout.splitlines() if "env " in line)
    assert lines == [
        "env RANK=0 LOCAL_RANK=0 WORLD_SIZE=2 LOCAL_WORLD_SIZE=1 argv=['x']",
        "env RANK=1 LOCAL_RANK=0 WORLD_SIZE=2 LOCAL_WORLD_SIZE=1 argv=['x']",
    ], f"the two nodes printed {lines}"


@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_failing_torchrun_node_fails_the_call_and_its_peer_is_killed(targets, tmp_path, pid_dir):
    with pytest.raises(launch.TorchrunFailed, match="a node failed") as err:
        launch.run_torchrun_nodes(targets("node_one_fails"), 2, [str(pid_dir)], tmp_path=tmp_path)
    assert "node one is broken" in str(err.value)
    assert_all_gone(pid_dir, 2)
