"""Mistake: the known true triples are not filtered out of the negatives.

A "negative" that is in fact true is trained to score low: filtering is the whole point of
passing known.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "are in known"
REJECTED_BY = "test_corrupt_filtered_never_returns_a_known_triple"

solution = solution_for(__file__)


def corrupt(triples, num_entities, generator, known=None):
    return solution.corrupt(triples, num_entities, generator)
