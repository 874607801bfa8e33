"""Maintainer checks (rustlings' `dev check`): every kata is complete and consistent.

Runs without importing any kata: it reads files, katas.toml and the Python syntax trees.
"""

from __future__ import annotations

import ast
import json
import os
import re
import statistics
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from torchkatas import index, plugin, pristine

REPO = Path(__file__).resolve().parents[1]
KATAS = index.load(REPO)
BY_ID = {k.id: k for k in KATAS}
ON_DISK = sorted(p.name for p in (REPO / "katas").iterdir() if index._ID.match(p.name))
CATALOGUE = REPO.parent / "shared" / "KATAS.md"
ARCHIVE = pristine.archive_of(REPO)
IGNORED = {"__pycache__", ".pytest_cache"}


def kata_ids() -> list[str]:
    return sorted(set(ON_DISK) | set(BY_ID))


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def docstrings(module: ast.Module) -> dict[str, str | None]:
    """Qualified name -> docstring, for the module, its functions, classes and methods."""
    found: dict[str, str | None] = {"<module>": ast.get_docstring(module, clean=False)}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                found[name] = ast.get_docstring(child, clean=False)
                if isinstance(child, ast.ClassDef):
                    visit(child, name + ".")

    visit(module, "")
    return found


def raises_not_implemented(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Raise) and sub.exc is not None:
            exc = sub.exc.func if isinstance(sub.exc, ast.Call) else sub.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def markers_used(test_file: Path) -> set[str]:
    text = test_file.read_text(encoding="utf-8")
    return {m for m in index.MARKERS if re.search(rf"pytest\.mark\.{m}\b", text)}


# ----------------------------------------------------------------------------- the index


def test_every_kata_folder_has_an_index_entry_and_back():
    assert set(ON_DISK) == set(BY_ID), (
        f"katas/ and katas.toml disagree: only in katas/: {sorted(set(ON_DISK) - set(BY_ID))}, "
        f"only in katas.toml: {sorted(set(BY_ID) - set(ON_DISK))}"
    )


@pytest.mark.skipif(not CATALOGUE.exists(), reason="../shared/KATAS.md is not beside the repo")
def test_kata_numbers_and_names_are_the_catalogues():
    names = set(re.findall(r"^\| (\d\d_[a-z0-9_]+) \|", CATALOGUE.read_text(), re.M))
    strays = sorted(set(kata_ids()) - names)
    assert not strays, f"not numbered and named as in KATAS.md: {strays}"


def test_readme_table_is_generated_from_the_index():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert index.readme_with_table(readme, KATAS) == readme, (
        "README.md's kata table is stale: run `kata table --write`"
    )


# ----------------------------------------------------------------------------- each kata


@pytest.mark.parametrize("kata_id", kata_ids())
def test_kata_has_exactly_its_files(kata_id):
    kata = BY_ID[kata_id]
    folder, solved = REPO / "katas" / kata_id, REPO / "solutions" / kata_id
    expected = {"README.md", f"{kata.module}.py", f"test_{kata.module}.py"}
    present = {p.name for p in folder.iterdir()} - IGNORED
    assert present == expected, (
        f"katas/{kata_id}: expected {sorted(expected)}, has {sorted(present)}"
    )
    present = {p.name for p in solved.iterdir()} - IGNORED
    assert present == {f"{kata.module}.py", "mistakes"}, (
        f"solutions/{kata_id}: expected the module and mistakes/, has {sorted(present)}"
    )


def original_stub(kata_id: str) -> ast.Module:
    """The stub as shipped (stubs.json), not the learner's working copy in katas/."""
    return ast.parse(pristine.text(BY_ID[kata_id], ARCHIVE), filename=f"{kata_id} (stubs.json)")


@pytest.mark.parametrize("kata_id", kata_ids())
def test_every_kata_has_its_original_stub_archived(kata_id):
    stubs = pristine.load(ARCHIVE)
    assert pristine.key(BY_ID[kata_id]) in stubs, (
        f"stubs.json has no stub for {kata_id}: run `kata stubs --write`"
    )


@pytest.mark.parametrize("kata_id", kata_ids())
def test_stub_raises_not_implemented_with_a_todo(kata_id):
    stub = f"{kata_id} (stubs.json)"
    text = pristine.text(BY_ID[kata_id], ARCHIVE)
    assert "# TODO" in text, f"{stub}: no `# TODO:` for the learner"
    for node in original_stub(kata_id).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            assert raises_not_implemented(node), (
                f"{stub}: {node.name} does not raise NotImplementedError (a stub must not look "
                f"like an answer)"
            )


@pytest.mark.parametrize("kata_id", kata_ids())
def test_solution_keeps_the_stubs_api_and_docstrings(kata_id):
    kata = BY_ID[kata_id]
    stub, solution = (
        docstrings(original_stub(kata_id)),
        docstrings(tree(kata.solution_path(REPO))),
    )
    public = {n for n in stub if not n.rsplit(".", 1)[-1].startswith("_") or n == "<module>"}
    missing = public - set(solution)
    assert not missing, f"solutions/{kata_id} lacks {sorted(missing)}"
    differ = sorted(n for n in public if stub[n] != solution[n])
    assert not differ, f"solutions/{kata_id}: docstrings differ from the stub's for {differ}"
    for name in public:
        if name != "<module>" and "." not in name:
            assert stub[name], f"katas/{kata_id}: {name} has no docstring"


@pytest.mark.parametrize("kata_id", kata_ids())
def test_readme_has_the_fixed_shape(kata_id):
    readme = (REPO / "katas" / kata_id / "README.md").read_text(encoding="utf-8")
    for section in ("## Tasks", "## Run it", "## Read"):
        assert section in readme, f"katas/{kata_id}/README.md lacks a '{section}' section"
    assert f"pytest katas/{kata_id}" in readme, f"katas/{kata_id}/README.md: no run command"
    numbered = re.findall(r"^(\d+)\. ", readme.split("## Tasks", 1)[1].split("\n## ", 1)[0], re.M)
    assert len(numbered) == len(BY_ID[kata_id].tasks), (
        f"katas/{kata_id}/README.md numbers {len(numbered)} tasks, katas.toml lists "
        f"{len(BY_ID[kata_id].tasks)}"
    )


_TASK_DUMP = """
import json, sys
import pytest

class Dump:
    def __init__(self):
        self.tasks = {}

    def pytest_collection_modifyitems(self, items):
        for item in items:
            numbers = [m.args[0] if m.args else None for m in item.iter_markers("task")]
            kata = self.tasks.setdefault(item.path.parent.name, {})
            kata[item.nodeid.split("::", 1)[1]] = numbers

dump = Dump()
code = pytest.main(["--collect-only", "-q", "--solutions", "-p", "no:cacheprovider", "katas"],
                   plugins=[dump])
print("TASKS " + json.dumps(dump.tasks))
sys.exit(code)
"""


def test_every_test_belongs_to_a_task_and_every_task_has_tests():
    """From a real collection, so a task given to each parametrised case counts too."""
    run = subprocess.run(
        [sys.executable, "-c", _TASK_DUMP], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, f"collecting the katas failed:\n{run.stdout[-3000:]}"
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("TASKS "))
    collected = json.loads(line.removeprefix("TASKS "))
    problems = []
    for kata_id in kata_ids():
        tests = collected.get(kata_id, {})
        unmarked = sorted(t for t, numbers in tests.items() if len(numbers) != 1)
        if unmarked:
            problems.append(f"katas/{kata_id}: tests without exactly one task marker: {unmarked}")
        used = {n for numbers in tests.values() for n in numbers}
        if used != set(range(1, len(BY_ID[kata_id].tasks) + 1)):
            problems.append(
                f"katas/{kata_id}: tests mark tasks {sorted(used, key=str)}, katas.toml has "
                f"{len(BY_ID[kata_id].tasks)}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kata_id", kata_ids())
def test_index_markers_match_the_tests(kata_id):
    kata = BY_ID[kata_id]
    used = markers_used(REPO / "katas" / kata_id / f"test_{kata.module}.py")
    assert used == set(kata.markers), (
        f"{kata_id}: tests use markers {sorted(used)}, katas.toml lists {sorted(kata.markers)}"
    )


@pytest.mark.parametrize("kata_id", kata_ids())
def test_at_least_three_documented_mistakes(kata_id):
    mistakes = BY_ID[kata_id].mistakes(REPO)
    known = plugin.kata_test_names(REPO, kata_id)
    assert len(mistakes) >= 3, f"solutions/{kata_id}/mistakes/ holds {len(mistakes)} (need 3)"
    for path in mistakes:
        module = tree(path)
        doc = ast.get_docstring(module) or ""
        assert doc.startswith("Mistake:"), f"{path.name}: docstring must start 'Mistake: ...'"
        names = {
            t.id
            for n in module.body
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        assert "CAUGHT_BY" in names, f"{path.name}: no CAUGHT_BY phrase"
        # REJECTED_BY keeps the mistakes gate to one test per mistake: without it the gate
        # runs the mistake against the whole suite, which CI cannot afford for every kata
        test = plugin.rejected_by(path)
        assert test is not None, (
            f"{path.name}: no REJECTED_BY test (run `pytest katas/{kata_id} --gate mistakes`: "
            f"its summary names a test that rejects it)"
        )
        assert test in known, f"{path.name}: REJECTED_BY = {test!r} names no test of {kata_id}"


def test_warm_modules_import_silently():
    """`kata watch` imports each kata's `warm` modules once, before its checks fork, so a
    check sees what a cold run sees only if importing them warns and prints nothing (a
    warning at import would be spent in the parent, and never reach the check). The whole
    warm-up, the test files' imports included, must print nothing over the watch screen."""
    modules = [m for kata in KATAS for m in kata.warm]
    assert modules, "no kata lists warm modules: this test would check nothing"
    code = (
        "import importlib, sys, torch\n"
        "for m in sys.argv[2:]:\n"
        "    importlib.import_module(m)\n"
        "from pathlib import Path\n"
        "from torchkatas import index, warm\n"
        "warm.warm_up(Path(sys.argv[1]), index.load(Path(sys.argv[1])))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", code, str(REPO), *modules],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        check=False,
    )
    assert proc.returncode == 0 and not proc.stdout and not proc.stderr, (
        f"importing the warm modules {modules} (katas.toml), then warm.warm_up for every "
        f"kata, failed or printed: exit {proc.returncode}\n{proc.stdout}{proc.stderr}\n"
        f"A warm module must import cleanly (drop one that warns or logs); anything else "
        f"warm_up imports must be imported under its _quiet()."
    )


def test_readme_timing_prose_matches_its_table():
    """The counts and medians in "How long a check takes" are computed from its own table,
    so a table measured again cannot leave the prose quoting the old numbers."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    part = readme.split("## How long a check takes", 1)[1].split("\n## ", 1)[0]
    prose = " ".join(part.split("<details>", 1)[0].split())
    rows = re.findall(
        r"^\| (\d\d_\w+)[^|]* \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$",
        part,
        re.M,
    )
    assert sorted(r[0] for r in rows) == kata_ids(), (
        "the README's timing table must list every kata once"
    )
    warm = [float(r[5]) for r in rows]
    over = [round(float(r[3]) - float(r[2]), 2) for r in rows]  # 3.11 - 2.11 is not <= 1
    ratio = [float(r[4]) for r in rows]
    within_1, within_3 = sum(d <= 1 for d in over), sum(d <= 3 for d in over)
    claims = [
        f"For {sum(w < 0.5 for w in warm)} of the {len(rows)} katas a warm check takes under 0.5 s",
        f"for {sum(w < 1 for w in warm)} under 1 s (median {statistics.median(warm):.2f} s)",
        f"A cold run takes a median {statistics.median(over):.1f} s more than the floor",
        f"({within_1} katas within 1 s of it, {within_3} within 3 s;",
        f"median ratio {statistics.median(ratio):.2f})",
    ]
    missing = [c for c in claims if c not in prose]
    assert not missing, f"README timing prose does not match its table; expected to read: {missing}"


# ----------------------------------------------------------------------------- set-up and CI


def readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    test = readme.split("## Test the repository", 1)[1].split("\n## ", 1)[0]
    lines = [ln.strip() for ln in (setup + test).splitlines() if ln.startswith("    ")]
    return lines


def test_ci_runs_the_readmes_setup_and_test_commands():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    ci_lines = {ln.strip() for ln in ci.splitlines()}
    commands = readme_commands()
    assert len(commands) == 3, commands
    for command in commands:
        assert command.replace("python -m venv", "python3 -m venv") in ci_lines, (
            f".ci/run does not run the README's command: {command}"
        )


def test_dependencies_admit_the_versions_measured_here():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps = {Requirement(d).name: Requirement(d) for d in project["dependencies"]}
    assert deps["torch"].specifier.contains("2.14.1")
    assert deps["torchvision"].specifier.contains("0.29.1")
    dev = {Requirement(d).name for d in project["optional-dependencies"]["dev"]}
    assert {"pytest-xdist", "nox", "ruff"} <= dev
    assert {"pytest", "pytest-timeout"} <= deps.keys()


def test_ci_checks_that_the_archived_stubs_are_the_stubs_in_katas():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "kata stubs --check" in {ln.strip() for ln in ci.splitlines()}


def test_the_solutions_session_shuffles_with_a_printed_seed():
    noxfile = (REPO / "noxfile.py").read_text(encoding="utf-8")
    solutions = noxfile.split("def solutions(", 1)[1].split("\n@nox.session", 1)[0]
    assert '"--shuffle", seed' in solutions and "session.log(" in solutions
