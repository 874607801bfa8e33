"""Mistake: setting CUBLAS_WORKSPACE_CONFIG=:4096:8 inside the block (old advice).

torch 2.14 no longer asks for it (each stream gets its own cuBLAS workspace), and cuBLAS
reads it once per process, so setting it in the middle of a run does nothing but leak
into the environment of every child process.
"""

import contextlib
import os

from torchkatas.harness import solution_for

CAUGHT_BY = "CUBLAS_WORKSPACE_CONFIG"
REJECTED_BY = "test_deterministic_sets_the_flags_inside_and_restores_them"

solution = solution_for(__file__)


@contextlib.contextmanager
def deterministic(*, warn_only=False):
    previous = os.environ.get("CUBLAS_WORKSPACE_CONFIG")
    os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
    try:
        with solution.deterministic(warn_only=warn_only):
            yield
    finally:
        if previous is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
        else:
            os.environ["CUBLAS_WORKSPACE_CONFIG"] = previous
