"""Sessions for torch-katas. `nox -l` lists them.

Every session runs in the environment nox itself runs in (the one the README's set-up made,
or a GPU machine's preinstalled torch): torch is several GB and one install serves all.
"""

from __future__ import annotations

import os
import random
import sys

import nox

nox.needs_version = ">=2024.4.15"
nox.options.sessions = ["lint", "index", "tests", "solutions", "stubs", "mistakes"]
nox.options.default_venv_backend = "none"

KATAS = ["katas"]


def pytest(session: nox.Session, *args: str, parallel: bool = False) -> None:
    """Run pytest in this interpreter; `-n 2` (xdist) when there is enough work to share."""
    env = {"OMP_NUM_THREADS": "1"}
    workers = ["-n", os.environ.get("KATA_WORKERS", "2")] if parallel else []
    session.run(sys.executable, "-m", "pytest", *workers, *args, env=env)


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    """ruff: style and common bugs in the harness, katas, solutions and tests."""
    session.run(sys.executable, "-m", "ruff", "check", ".")


@nox.session(python=False)
def index(session: nox.Session) -> None:
    """The README's kata table is katas.toml's; the concept cards (cards.toml) pass their check."""
    session.run(sys.executable, "-m", "torchkatas.cli", "table", "--check")
    session.run(sys.executable, "-m", "torchkatas.cli", "cards", "--check")


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """The harness's and the CLI's own tests (tests/)."""
    pytest(session, *(session.posargs or ["tests"]), parallel=True)


@nox.session(python=False)
def solutions(session: nox.Session) -> None:
    """Every kata's tests pass on its solution, in a shuffled order (the seed is printed)."""
    seed = os.environ.get("KATA_SHUFFLE") or str(random.randrange(10**6))
    session.log(f"tests shuffled with --shuffle {seed} (KATA_SHUFFLE={seed} repeats the order)")
    pytest(session, "--solutions", "--shuffle", seed, *(session.posargs or KATAS), parallel=True)


@nox.session(python=False)
def stubs(session: nox.Session) -> None:
    """Every kata's tests FAIL on its untouched stub (one pytest session, per-test report)."""
    pytest(session, "--gate", "stubs", *(session.posargs or KATAS), parallel=True)


@nox.session(python=False)
def mistakes(session: nox.Session) -> None:
    """Every file in solutions/NN_name/mistakes/ is rejected by its kata's tests."""
    pytest(session, "--gate", "mistakes", *(session.posargs or KATAS), parallel=True)


@nox.session(python=False)
def cpu(session: nox.Session) -> None:
    """The katas on the CPU, against your code (add --solutions to test the answers)."""
    pytest(session, "--device", "cpu", *(session.posargs or KATAS))


@nox.session(python=False)
def cuda(session: nox.Session) -> None:
    """The katas on a CUDA device; stops at once where there is none."""
    pytest(session, "--device", "cuda", *(session.posargs or KATAS))
