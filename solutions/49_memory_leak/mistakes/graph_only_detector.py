"""Mistake: watch decides from the graph size alone.

A list of detached losses, or a hook that keeps every output, grows by a tensor per step
with no graph in what the step returns: that leak goes unseen.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "when EITHER count"
REJECTED_BY = "test_watch_flags_other_kinds_of_leak"

solution = solution_for(__file__)


def watch(step, iterations=5, warmup=1):
    report = solution.watch(step, iterations, warmup)
    report["leaking"] = report["graph_nodes"][-1] > report["graph_nodes"][0]
    return report
