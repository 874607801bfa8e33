"""Mistake: returning explain's graph_count as the number of graph breaks.

n breaks split the function into n + 1 graphs: graph_count is one more than the breaks.
"""

import torch._dynamo

CAUGHT_BY = "returning graph_count"
REJECTED_BY = "test_counts_the_graph_breaks_of_the_planted_function"


def graph_breaks(fn, *args):
    e = torch._dynamo.explain(fn)(*args)
    return e.graph_count, [
        (r.reason.splitlines()[0], r.user_stack[-1].lineno) for r in e.break_reasons
    ]
