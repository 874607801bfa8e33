"""The harness keeps the promises README.md and CONTRIBUTING.md make about test runs.

Each test builds a tiny kata repository with pytester and runs pytest inside it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]

# pytester's in-process runs drop modules first imported inside them; torch cannot import
# some twice, so import what assert_close pulls in lazily out here, once.
torch.testing.assert_close(torch.ones(1), torch.ones(1))

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
    result = pytester.runpytest("katas", "--impl-root", str(repo / "student"))
    result.assert_outcomes(failed=3)
    assert "raised ValueError while importing (line 3): boom" in out(result)


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
    write(
        repo,
        "student/90_square/square.py",
        SOLUTION.replace("return x * x\n", "while True:\n        pass\n", 1),
    )
    result = pytester.runpytest_subprocess(
        "katas", "--impl-root", str(repo / "student"), "--timeout", "2"
    )
    result.assert_outcomes(passed=1, failed=2)
    assert "took longer than the 2.0 s limit (it was at student/90_square/square.py:3)" in out(
        result
    )


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
    result = pytester.runpytest("katas", "--solutions")
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
