"""The harness keeps the promises README.md and CONTRIBUTING.md make about test runs.

Each test builds a tiny kata repository with pytester and runs pytest inside it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch

from torchkatas import pristine

# every test here starts processes: its limit is a hang guard, generous for a loaded
# machine (the default 60 s is for a learner's single kata test)
pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[1]

STUB = '''
def square(x):
    """x * x, elementwise."""
    # TODO: multiply
    raise NotImplementedError("TODO: square(x)")


def cube(x):
    """x * x * x, elementwise."""
    # TODO: multiply twice
    raise NotImplementedError("TODO: cube(x)")
'''
SOLUTION = '''
def square(x):
    """x * x, elementwise."""
    return x * x


def cube(x):
    """x * x * x, elementwise."""
    return x * x * x
'''
TESTS = """
import pytest
import torch

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)


@pytest.mark.task(1)
@pytest.mark.parametrize("n", [1, 4])
def test_square(n, device):
    x = torch.arange(n, dtype=torch.float32, device=device)
    assert_tensor_close(kata.square(x), x * x, what="square(x)", mistake="not squaring")


@pytest.mark.task(2)
def test_cube(device):
    x = torch.arange(3.0, device=device)
    assert_tensor_close(kata.cube(x), x ** 3, what="cube(x)", mistake="cube is not x ** 2")
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def add_kata(
    root: Path,
    kata_id: str = "90_square",
    module: str = "square",
    stub: str = STUB,
    solution: str = SOLUTION,
    tests: str = TESTS,
) -> None:
    write(root, f"katas/{kata_id}/{module}.py", stub)
    write(root, f"katas/{kata_id}/test_{module}.py", tests)
    write(root, f"solutions/{kata_id}/{module}.py", solution)
    archive_stubs(root)


def archive_stubs(root: Path) -> None:
    """stubs.json from the stubs in katas/ now, as `kata stubs --write` makes it."""
    pristine.write(pristine.build(root), pristine.archive_of(root))


@pytest.fixture
def repo(pytester: pytest.Pytester) -> Path:
    """A repository with the real pytest config and plugin, and one kata, 90_square."""
    root = pytester.path
    (root / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    write(root, "conftest.py", 'pytest_plugins = ["torchkatas.plugin"]\n')
    add_kata(root)
    return root


def out(result: pytest.RunResult) -> str:
    return result.stdout.str() + result.stderr.str()


# ----------------------------------------------------------------------------- which code runs


def test_stub_fails_every_test_with_one_clear_line(pytester, repo):
    result = pytester.runpytest("katas/90_square")
    result.assert_outcomes(failed=3)
    text = out(result)
    assert "not implemented yet: square() in katas/90_square/square.py" in text
    assert "not implemented yet: cube() in katas/90_square/square.py" in text
    assert "NOT STARTED" in text
    assert "Traceback" not in text and "raise NotImplementedError" not in text


def test_solutions_flag_runs_the_same_tests_on_solutions(pytester, repo):
    result = pytester.runpytest("katas/90_square", "--solutions")
    result.assert_outcomes(passed=3)
    assert "testing solutions/" in out(result)


def test_impl_root_grades_a_folder_laid_out_like_solutions(pytester, repo):
    write(repo, "student/90_square/square.py", SOLUTION)
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"))
    result.assert_outcomes(passed=3)


def test_impl_root_missing_kata_fails_with_clear_message(pytester, repo):
    (repo / "student").mkdir()
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"))
    result.assert_outcomes(failed=3)
    assert "is kata 90_square missing from student?" in out(result)


def test_impl_root_that_does_not_exist_is_a_usage_error(pytester, repo):
    result = pytester.runpytest("katas", "--impl-root", str(repo / "nowhere"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no such folder" in out(result)


def test_same_module_names_in_two_katas_do_not_collide(pytester, repo):
    for kata_id, factor in (("91_double", 2), ("92_triple", 3)):
        body = f'''
            def scale(x):
                """x times {factor}."""
                return x * {factor}
        '''
        tests = f"""
            import pytest, torch
            from torchkatas.harness import assert_tensor_close, load_kata
            kata = load_kata(__file__)

            @pytest.mark.task(1)
            def test_scale(device):
                x = torch.ones(2, device=device)
                assert_tensor_close(kata.scale(x), x * {factor}, what="scale(x)")
        """
        add_kata(repo, kata_id, "model", stub=body, solution=body, tests=tests)
    result = pytester.runpytest("katas/91_double", "katas/92_triple", "--solutions")
    result.assert_outcomes(passed=2)


# ----------------------------------------------------------------------------- broken code


def test_syntax_error_fails_only_that_kata(pytester, repo):
    add_kata(repo, "91_other", solution=SOLUTION)
    write(repo, "student/90_square/square.py", SOLUTION)
    write(repo, "student/91_other/square.py", "def square(x):\n    return x *\n")
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"), "-rA")
    result.assert_outcomes(passed=3, failed=3)
    text = out(result)
    assert "91_other/square.py has a syntax error at line 2" in text
    assert "FAILED katas/90_square" not in text


def test_exception_at_import_names_the_line(pytester, repo):
    write(repo, "student/90_square/square.py", "import torch\n\nraise ValueError('boom')\n")
    # -rs: the short summary lists skips only (on CI it would repeat the failure's message)
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"), "-rs")
    # the file defines neither function (read from its text, once) and cannot be imported
    result.assert_outcomes(failed=4)
    assert "raised ValueError while importing (line 3): boom" in out(result)
    assert out(result).count("MISSING FUNCTION `square`, `cube`") == 1


def test_missing_function_is_reported_once(pytester, repo):
    write(repo, "student/90_square/square.py", SOLUTION.replace("def square", "def sqare"))
    # -rs: the short summary lists skips only (on CI it would repeat the failure's message)
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"), "-rs")
    result.assert_outcomes(passed=1, failed=1, skipped=2)
    text = out(result)
    assert (
        text.count("MISSING FUNCTION `square` in student/90_square/square.py: did you rename it?")
        == 1
    )
    assert "reported once as MISSING FUNCTION" in text


def test_endless_loop_fails_with_a_timeout_message(pytester, repo):
    calls = repo / "calls"
    write(
        repo,
        "student/90_square/square.py",
        SOLUTION.replace(
            "return x * x\n",
            f"with open({str(calls)!r}, 'a') as f:\n        f.write('call\\n')\n"
            "    while True:\n        pass\n",
            1,
        ),
    )
    result = pytester.runpytest_subprocess(
        "katas", "--impl-root", str(repo / "student"), "--timeout", "2"
    )
    result.assert_outcomes(passed=1, failed=2)
    text = out(result)
    assert "took longer than the 2.0 s limit (it was at student/90_square/square.py:5)" in text
    # the second test that calls square() fails at once instead of waiting as long again
    assert "square() already ran past the time limit in katas/90_square/test_square.py" in text
    assert calls.read_text().count("call") == 1, "the endless loop was entered twice"


def test_a_wait_at_module_level_never_hangs_collection_and_fails_each_test_at_once(pytester, repo):
    imports = repo / "imports"
    write(
        repo,
        "student/90_square/square.py",
        f"import time\nwith open({str(imports)!r}, 'a') as f:\n    f.write('import\\n')\n"
        "time.sleep(10**6)\n" + SOLUTION,
    )
    collected = pytester.runpytest_subprocess(
        "katas", "--impl-root", str(repo / "student"), "--collect-only", "-q", timeout=240
    )
    assert collected.ret == pytest.ExitCode.OK, out(collected)
    result = pytester.runpytest_subprocess(
        "katas", "--impl-root", str(repo / "student"), "--timeout", "2", timeout=240
    )
    result.assert_outcomes(failed=3)
    text = out(result)
    assert text.count("took longer than the time limit while importing (line 4)") >= 3
    assert imports.read_text().count("import") == 1, "each test waited for the module again"


def test_collection_never_imports_the_learners_module(pytester, repo):
    marker = repo / "imported"
    write(
        repo,
        "student/90_square/square.py",
        f"from pathlib import Path\nPath({str(marker)!r}).touch()\n" + SOLUTION,
    )
    result = pytester.runpytest_subprocess(
        "katas", "--impl-root", str(repo / "student"), "--collect-only", "-q"
    )
    assert result.ret == pytest.ExitCode.OK, out(result)
    assert not marker.exists(), "collecting the tests imported the learner's module"


def test_ctrl_c_while_importing_stops_the_run(pytester, repo):
    write(repo, "student/90_square/square.py", "raise KeyboardInterrupt\n")
    result = pytester.runpytest_subprocess("katas", "--impl-root", str(repo / "student"))
    assert result.ret == pytest.ExitCode.INTERRUPTED, out(result)
    assert "cannot import the kata" not in out(result)


def test_sigterm_stops_the_run_and_lets_tests_clean_up(pytester, repo):
    import signal
    import subprocess
    import sys
    import time

    started, cleaned = repo / "started", repo / "cleaned"
    write(
        repo,
        "katas/90_square/test_slow.py",
        f"""
        import time
        from pathlib import Path
        import pytest

        @pytest.mark.task(1)
        def test_waits():
            Path({str(started)!r}).touch()
            try:
                time.sleep(600)
            finally:
                Path({str(cleaned)!r}).touch()
        """,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "katas/90_square/test_slow.py", "--solutions"],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 200
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert started.exists(), "the test never started"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == pytest.ExitCode.INTERRUPTED
    finally:
        proc.kill()
        proc.wait()
    assert cleaned.exists(), "SIGTERM killed pytest without running the test's clean-up"


# ----------------------------------------------------------------------------- crashes teach


def test_an_error_inside_the_learners_code_names_the_call_line_and_what_was_checked(pytester, repo):
    write(
        repo,
        "student/90_square/square.py",
        SOLUTION.replace("return x * x\n", "return x.tolist()[5] * 0 + x\n", 1),
    )
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"))
    result.assert_outcomes(failed=2, passed=1)
    text = out(result)
    assert (
        "square(tensor (1) float32 cpu) raised IndexError at student/90_square/square.py:3 in "
        "square (`return x.tolist()[5] * 0 + x`): list index out of range. The test was "
        "checking: square [1]."
    ) in text
    assert "square(tensor (4) float32 cpu) raised IndexError" in text, text


def test_a_torch_error_in_the_learners_code_shows_its_message_and_argument_shapes(pytester, repo):
    write(
        repo,
        "student/90_square/square.py",
        SOLUTION.replace("return x * x\n", "return x.view(2, -1) * 0 + x\n", 1),
    )
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"))
    text = out(result)
    assert (
        "square(tensor (1) float32 cpu) raised RuntimeError at student/90_square/square.py:3"
        in (text)
    )
    assert "shape '[2, -1]' is invalid for input of size 1" in text
    assert "The test was checking: square [1]." in text


def test_a_wrong_kind_of_result_is_explained_when_the_test_cannot_use_it(pytester, repo):
    write(
        repo,
        "student/90_square/square.py",
        SOLUTION.replace("return x * x\n", "return None\n", 1),
    )
    write(
        repo,
        "katas/90_square/test_shape.py",
        """
        import pytest
        import torch

        from torchkatas.harness import load_kata

        kata = load_kata(__file__)

        @pytest.mark.task(1)
        def test_square_keeps_the_shape():
            assert kata.square(torch.ones(3)).shape == (3,)
        """,
    )
    result = pytester.runpytest(
        "katas/90_square/test_shape.py", "--impl-root", str(repo / "student")
    )
    text = out(result)
    assert "the test could not use what your code gave it: square(tensor (3) float32 cpu) " in text
    assert "returned None, then the test failed with AttributeError" in text
    assert "The test was checking: square keeps the shape." in text


def test_a_warning_the_learners_code_causes_is_named_as_such(pytester, repo):
    write(
        repo,
        "student/90_square/square.py",
        SOLUTION.replace(
            "return x * x\n", "import warnings\n    warnings.warn('careful')\n    return x * x\n", 1
        ),
    )
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"))
    assert "raised UserWarning (a warning your code caused; warnings count as errors here)" in out(
        result
    )


def test_not_started_inside_a_dataloader_worker_is_not_started(pytester, repo):
    write(
        repo,
        "katas/90_square/test_loader.py",
        """
        import pytest
        import torch
        from torch.utils.data import DataLoader

        from torchkatas.harness import load_kata

        kata = load_kata(__file__)

        @pytest.mark.task(1)
        def test_squares_in_workers():
            loader = DataLoader(torch.arange(4.0), batch_size=2, num_workers=1,
                                collate_fn=lambda b: kata.square(torch.stack(b)))
            assert [t.tolist() for t in loader] == [[0.0, 1.0], [4.0, 9.0]]
        """,
    )
    result = pytester.runpytest_subprocess("katas/90_square/test_loader.py")
    text = out(result)
    assert "not implemented yet: square() in katas/90_square/square.py" in text
    assert "90_square: 0 of 1 passing (1 not started)" in text


@pytest.mark.distributed
def test_not_started_inside_a_spawned_rank_is_not_started(pytester, repo):
    write(
        repo,
        "katas/90_square/test_ranks.py",
        """
        import pytest

        from torchkatas.harness import ImplRef, load_kata
        from torchkatas.launch import run_ranks

        kata = load_kata(__file__)

        def _in_rank(rank, world_size, impl):
            import torch
            return impl.resolve()(torch.ones(1))

        @pytest.mark.task(1)
        def test_square_in_two_ranks(tmp_path):
            from pathlib import Path
            ref = ImplRef(Path(__file__), None, "_in_rank")
            run_ranks(ref, 2, (kata.ref("square"),), tmp_path=tmp_path, timeout=120)
        """,
    )
    result = pytester.runpytest_subprocess("katas/90_square/test_ranks.py", timeout=240)
    text = out(result)
    assert "not implemented yet: square() in katas/90_square/square.py" in text
    assert "90_square: 0 of 1 passing (1 not started)" in text


def test_a_module_that_links_to_a_file_not_named_py_fails_only_its_kata(pytester, repo):
    add_kata(repo, "91_other", solution=SOLUTION)
    write(repo, "student/90_square/square.py", SOLUTION)
    write(repo, "student/91_other/square.txt", SOLUTION)
    (repo / "student/91_other/square.py").symlink_to(repo / "student/91_other/square.txt")
    write(repo, "elsewhere/notes.bin", "\x00\x01 not python")
    write(repo, "student/92_bin/square.py", "")
    (repo / "student/92_bin/square.py").unlink()
    (repo / "student/92_bin/square.py").symlink_to(repo / "elsewhere/notes.bin")
    add_kata(repo, "92_bin", solution=SOLUTION)
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"))
    text = out(result)
    assert "INTERNALERROR" not in text
    result.assert_outcomes(passed=6, failed=3)  # 90 and 91 pass; 92 fails, alone


def test_the_shuffle_option_reorders_tests_the_same_way_for_the_same_seed(pytester, repo):
    add_kata(repo, "91_other", solution=SOLUTION)

    def order(*args: str) -> list[str]:
        result = pytester.runpytest("katas", "--solutions", "--collect-only", "-q", *args)
        return [line for line in result.stdout.lines if "::" in line]

    plain = order()
    first, again, other = order("--shuffle", "1"), order("--shuffle", "1"), order("--shuffle", "2")
    assert first == again and sorted(first) == sorted(plain)
    assert first != plain or other != plain
    header = pytester.runpytest("katas", "--solutions", "--shuffle", "5")
    assert "tests in a shuffled order, --shuffle 5" in out(header)


def test_tensor_comparison_does_not_import_torchs_distributed_package():
    import subprocess
    import sys

    code = (
        "import sys, torch\n"
        "from torchkatas.harness import assert_tensor_close\n"
        "assert_tensor_close(torch.ones(3), torch.ones(3), what='x')\n"
        "try:\n"
        "    assert_tensor_close(torch.ones(3), torch.zeros(3), what='x')\n"
        "except AssertionError:\n"
        "    pass\n"
        "print('torch.distributed.tensor' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stdout + done.stderr


# ----------------------------------------------------------------------------- devices


def test_cuda_marker_skips_with_reason_on_cpu(pytester, repo):
    write(
        repo,
        "katas/90_square/test_gpu.py",
        """
        import pytest

        @pytest.mark.task(1)
        @pytest.mark.cuda
        def test_needs_gpu(device):
            assert device.type == "cuda"
    """,
    )
    result = pytester.runpytest("katas/90_square/test_gpu.py", "--solutions", "-rs")
    result.assert_outcomes(skipped=1)
    assert "needs --device cuda" in out(result)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_device_cuda_without_gpu_stops_at_once(pytester, repo):
    result = pytester.runpytest("katas", "--solutions", "--device", "cuda")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--device cuda: no CUDA device here" in out(result)
    assert "passed" not in out(result)


def test_header_names_device_tree_and_one_thread(pytester, repo):
    result = pytester.runpytest("katas", "--solutions")
    assert "device cpu, threads 1, testing solutions/" in out(result)


# ----------------------------------------------------------------------------- gates


def test_stubs_gate_passes_when_every_test_fails_on_its_stub(pytester, repo):
    result = pytester.runpytest("katas", "--gate", "stubs")
    result.assert_outcomes(passed=3)


def test_stubs_gate_fails_on_a_test_that_passes_on_the_stub(pytester, repo):
    write(
        repo,
        "katas/90_square/test_weak.py",
        """
        import pytest

        @pytest.mark.task(1)
        def test_asserts_nothing():
            pass
    """,
    )
    result = pytester.runpytest("katas", "--gate", "stubs")
    result.assert_outcomes(passed=3, failed=1)
    assert "passes on the stub katas/90_square/square.py: a test that passes" in out(result)


def test_stubs_gate_proves_the_original_stubs_not_the_learners_solved_copy(pytester, repo):
    write(repo, "katas/90_square/square.py", SOLUTION)  # the learner solved it
    assert pytester.runpytest("katas").ret == pytest.ExitCode.OK
    result = pytester.runpytest("katas", "--gate", "stubs")
    result.assert_outcomes(passed=3)
    assert "testing the original stubs (stubs.json), not your katas/" in out(result)


def test_stubs_gate_without_an_archived_stub_says_what_to_run(pytester, repo):
    add_kata(repo, "91_other")
    stubs = pristine.build(repo)
    del stubs["90_square/square.py"]  # a contributor's new stub, not archived yet
    pristine.write(stubs, pristine.archive_of(repo))
    result = pytester.runpytest("katas", "--gate", "stubs")
    result.assert_outcomes(passed=3, failed=1)  # 91 proven; 90 fails once, alone
    assert "stubs.json has no original of katas/90_square/square.py" in out(result)
    assert "kata stubs --write" in out(result)


def test_gate_with_no_tests_does_not_pass(pytester, repo):
    (repo / "empty").mkdir()
    result = pytester.runpytest("empty", "--gate", "stubs")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def mistake(repo: Path, name: str, body: str) -> None:
    write(repo, f"solutions/90_square/mistakes/{name}.py", body)


def test_mistakes_gate_passes_when_each_mistake_is_rejected_by_name(pytester, repo):
    mistake(
        repo,
        "adds",
        '''
        """Mistake: x + x instead of x * x."""
        CAUGHT_BY = "not squaring"

        def square(x):
            return x + x
    ''',
    )
    result = pytester.runpytest("katas", "--gate", "mistakes")
    assert result.ret == pytest.ExitCode.OK
    assert "1 of 1 mistakes rejected" in out(result)


def test_mistakes_gate_fails_on_a_mistake_no_test_catches(pytester, repo):
    mistake(
        repo,
        "harmless",
        '''
        """Mistake: none really (x ** 2 is right), so no test can fail."""
        CAUGHT_BY = "not squaring"

        def square(x):
            return x ** 2
    ''',
    )
    result = pytester.runpytest("katas", "--gate", "mistakes")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "NOT REJECTED  solutions/90_square/mistakes/harmless.py: no test failed" in out(result)


def test_mistakes_gate_fails_when_no_message_names_the_mistake(pytester, repo):
    mistake(
        repo,
        "adds",
        '''
        """Mistake: x + x instead of x * x."""
        CAUGHT_BY = "forgot to multiply"

        def square(x):
            return x + x
    ''',
    )
    result = pytester.runpytest("katas", "--gate", "mistakes")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "no message contains 'forgot to multiply'" in out(result)


def test_mistakes_gate_requires_a_caught_by_phrase(pytester, repo):
    mistake(
        repo,
        "adds",
        '''
        """Mistake: x + x instead of x * x."""

        def square(x):
            return x + x
    ''',
    )
    result = pytester.runpytest("katas", "--gate", "mistakes")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "declares no CAUGHT_BY phrase" in out(result)


def test_mistakes_gate_runs_a_mistake_only_against_its_rejected_by_test(pytester, repo):
    mistake(
        repo,
        "adds",
        '''
        """Mistake: x + x instead of x * x."""
        CAUGHT_BY = "not squaring"
        REJECTED_BY = "test_square"

        def square(x):
            return x + x
    ''',
    )
    result = pytester.runpytest("katas", "--gate", "mistakes", "-v")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=2, deselected=1)  # test_square's two cases, not test_cube
    assert "test_cube[mistake:adds]" not in out(result)
    assert "1 of 1 mistakes rejected" in out(result)


def test_mistakes_gate_fails_when_the_rejected_by_test_passes(pytester, repo):
    mistake(
        repo,
        "cube_squares",
        '''
        """Mistake: x * x for the cube."""
        CAUGHT_BY = "cube is not x ** 2"
        REJECTED_BY = "test_square"

        def cube(x):
            return x * x
    ''',
    )
    result = pytester.runpytest("katas", "--gate", "mistakes")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "test_square (its REJECTED_BY test) passed: it accepts this wrong answer" in out(result)


def test_mistakes_gate_fails_when_rejected_by_names_no_test(pytester, repo):
    mistake(
        repo,
        "adds",
        '''
        """Mistake: x + x instead of x * x."""
        CAUGHT_BY = "not squaring"
        REJECTED_BY = "test_sqaure"

        def square(x):
            return x + x
    ''',
    )
    result = pytester.runpytest("katas", "--gate", "mistakes")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "REJECTED_BY names 'test_sqaure', but katas/90_square/ has no test" in out(result)


def test_mistakes_gate_says_which_mistakes_did_not_run(pytester, repo):
    mistake(
        repo,
        "adds",
        '''
        """Mistake: x + x instead of x * x."""
        CAUGHT_BY = "not squaring"
        REJECTED_BY = "test_square"

        def square(x):
            return x + x
    ''',
    )
    result = pytester.runpytest("katas", "--gate", "mistakes", "-k", "test_cube")
    assert "0 of 0 mistakes rejected" in out(result)
    assert "1 more mistake(s) of these katas did not run here, so they are not proven" in out(
        result
    )
    assert "solutions/90_square/mistakes/adds.py" in out(result)


def test_gates_refuse_an_implementation_choice(pytester, repo):
    result = pytester.runpytest("katas", "--gate", "stubs", "--solutions")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_summary_counts_passing_and_not_started_per_kata(pytester, repo):
    write(
        repo,
        "student/90_square/square.py",
        STUB.replace('raise NotImplementedError("TODO: square(x)")', "return x * x"),
    )
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"))
    assert "90_square: 2 of 3 passing (1 not started)" in out(result)


def test_mistakes_gate_judges_on_the_controller_under_xdist(pytester, repo):
    mistake(
        repo,
        "adds",
        '''
        """Mistake: x + x instead of x * x."""
        CAUGHT_BY = "not squaring"

        def square(x):
            return x + x
    ''',
    )
    mistake(
        repo,
        "harmless",
        '''
        """Mistake: none really, so no test can fail."""
        CAUGHT_BY = "not squaring"

        def cube(x):
            return x ** 3
    ''',
    )
    result = pytester.runpytest_subprocess("katas", "--gate", "mistakes", "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    text = out(result)
    assert "1 of 2 mistakes rejected" in text
    assert "NOT REJECTED  solutions/90_square/mistakes/harmless.py" in text


def test_collection_error_is_reported_not_an_internal_error(pytester, repo):
    write(repo, "katas/90_square/test_broken.py", "import nonexistent_module_xyz\n")
    # in a subprocess: an in-process run would see other tests' leftovers (ResourceWarning)
    result = pytester.runpytest_subprocess("katas", "--solutions")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert "INTERNALERROR" not in out(result)
    assert "nonexistent_module_xyz" in out(result)


def test_not_implemented_error_from_torch_is_wrong_not_not_started(pytester, repo):
    write(
        repo,
        "student/90_square/square.py",
        SOLUTION.replace("return x * x\n", "return torch.rand_like(x.long())\n", 1).replace(
            "def square", "import torch\n\n\ndef square", 1
        ),
    )
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"))
    result.assert_outcomes(passed=1, failed=2)
    text = out(result)
    assert "not implemented yet" not in text and "NOT STARTED" not in text
    assert "NotImplementedError" in text
