"""Mistake: the warn_only argument not passed on.

deterministic(warn_only=True) is asked for when some op has no deterministic kernel and a
warning is wanted instead of an error; this one raises anyway.
"""

import contextlib

from torchkatas.harness import solution_for

CAUGHT_BY = "warn_only not passed on"
REJECTED_BY = "test_deterministic_sets_the_flags_inside_and_restores_them"

solution = solution_for(__file__)


@contextlib.contextmanager
def deterministic(*, warn_only=False):
    before = solution.determinism_flags()
    solution.set_determinism_flags(
        {
            "deterministic_algorithms": True,
            "warn_only": False,
            "cudnn_deterministic": True,
            "cudnn_benchmark": False,
        }
    )
    try:
        yield
    finally:
        solution.set_determinism_flags(before)
