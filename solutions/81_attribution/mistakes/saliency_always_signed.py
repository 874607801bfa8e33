"""Mistake: saliency ignores `absolute` and returns the signed gradient.

The documented default is |gradient|: a map where strongly negative evidence shows up as
"unimportant" (dark) misleads every reader of the heat map.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "absolute=True gives |gradient|"
REJECTED_BY = "test_saliency_is_the_target_logits_gradient"

solution = solution_for(__file__)


def saliency(model, x, target, *, absolute=True):
    with solution._eval_mode(model):
        return solution._target_gradient(model, x, target)
