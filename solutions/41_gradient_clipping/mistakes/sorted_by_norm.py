"""Mistake: diagnose lists the flagged names worst first (sorted by norm).

It reads well, but the lists must keep the order of norms, the model's layer order, so
that a reader sees where in the network the trouble starts.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "in another order"
REJECTED_BY = "test_diagnose_returns_two_lists_in_the_order_of_norms"

solution = solution_for(__file__)


def diagnose(norms, low, high):
    found = solution.diagnose(norms, low, high)
    return {
        "vanishing": sorted(found["vanishing"], key=lambda n: norms[n]),
        "exploding": sorted(found["exploding"], key=lambda n: -norms[n]),
    }
