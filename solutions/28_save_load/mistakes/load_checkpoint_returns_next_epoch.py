"""Mistake: load_checkpoint() returns epoch + 1, "the next epoch to run".

The checkpoint's epoch already counts the completed epochs; a caller that trains
range(start, total) skips one epoch.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "epoch + 1 returned"
REJECTED_BY = "test_load_checkpoint_restores_every_state"


def load_checkpoint(path, model, optimizer, scheduler):
    return solution.load_checkpoint(path, model, optimizer, scheduler) + 1
