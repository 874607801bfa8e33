"""Mistake: PGD always starts from x, whatever random_start says.

Without the random start, PGD from a point where the loss is flat (or its gradient
masked) gets stuck; Madry et al. start from a uniform point in the ball.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "start is x plus uniform noise"
REJECTED_BY = "test_pgd_equals_the_reference_loop"

solution = solution_for(__file__)


def pgd(model, x, y, eps, alpha, steps, *, random_start=True, generator=None):
    return solution.pgd(model, x, y, eps, alpha, steps, random_start=False)
