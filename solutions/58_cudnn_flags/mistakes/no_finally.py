"""Mistake: restoring after the yield without try/finally.

When the block raises, the exception comes out of the yield and the restoring lines never
run: the whole rest of the program stays deterministic (and slower).
"""

import contextlib

from torchkatas.harness import solution_for

CAUGHT_BY = "not restoring on exception"
REJECTED_BY = "test_deterministic_restores_the_flags_when_the_block_raises"

solution = solution_for(__file__)


@contextlib.contextmanager
def deterministic(*, warn_only=False):
    before = solution.determinism_flags()
    solution.set_determinism_flags(
        {
            "deterministic_algorithms": True,
            "warn_only": warn_only,
            "cudnn_deterministic": True,
            "cudnn_benchmark": False,
        }
    )
    yield
    solution.set_determinism_flags(before)
