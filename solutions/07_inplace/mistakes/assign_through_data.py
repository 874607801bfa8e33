"""Mistake: assign_() writes through .data, w.data.copy_(values), to dodge the leaf error.

The values land in w's storage, but .data has a version counter of its own: w._version
does not move, so a graph that saved w runs backward on the new values without a word and
gives a wrong gradient.
"""

CAUGHT_BY = "skips w's version counter"
REJECTED_BY = "test_a_graph_that_saved_w_sees_the_assignment"


def assign_(w, values):
    w.data.copy_(values)
    return w
