"""Mistake: cudnn.benchmark = True together with cudnn.deterministic = True.

Benchmark mode times several convolution algorithms and keeps the fastest, which can be
another one on the next run (or the next process): the results then differ.
"""

import contextlib

from torchkatas.harness import solution_for

CAUGHT_BY = "setting benchmark=True together with deterministic"
REJECTED_BY = "test_deterministic_sets_the_flags_inside_and_restores_them"

solution = solution_for(__file__)


@contextlib.contextmanager
def deterministic(*, warn_only=False):
    before = solution.determinism_flags()
    solution.set_determinism_flags(
        {
            "deterministic_algorithms": True,
            "warn_only": warn_only,
            "cudnn_deterministic": True,
            "cudnn_benchmark": True,
        }
    )
    try:
        yield
    finally:
        solution.set_determinism_flags(before)
