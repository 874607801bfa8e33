"""Mistake: the line of the outermost frame, user_stack[0], for each break.

When the break happens inside a function that fn calls, user_stack[0] is the line in fn
that made the call, not the line that could not be traced.
"""

import torch._dynamo

CAUGHT_BY = "the line of the outermost frame"
REJECTED_BY = "test_reports_each_reason_and_its_line"


def graph_breaks(fn, *args):
    e = torch._dynamo.explain(fn)(*args)
    return e.graph_break_count, [
        (r.reason.splitlines()[0], r.user_stack[0].lineno) for r in e.break_reasons
    ]
