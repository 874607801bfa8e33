"""Mistake: torch._dynamo.explain(fn, *args), the old calling form.

It still works, but raises a FutureWarning: the arguments now go to the function explain
returns, explain(fn)(*args).
"""

import torch._dynamo

CAUGHT_BY = "explain(fn, *args) is deprecated"
REJECTED_BY = "test_counts_the_graph_breaks_of_the_planted_function"


def graph_breaks(fn, *args):
    e = torch._dynamo.explain(fn, *args)
    return e.graph_break_count, [
        (r.reason.splitlines()[0], r.user_stack[-1].lineno) for r in e.break_reasons
    ]
