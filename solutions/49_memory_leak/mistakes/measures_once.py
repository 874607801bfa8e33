"""Mistake: one baseline count before the loop, one count after it.

The first call creates lasting state (.grad, optimizer moments), so every loop looks like
it leaks; and two numbers cannot tell steady growth from a one-off.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "measuring only once"
REJECTED_BY = "test_watch_does_not_flag_the_fixed_loop"

solution = solution_for(__file__)


def watch(step, iterations=5, warmup=1):
    if iterations < 2 or warmup < 0:
        raise ValueError("iterations must be >= 2 and warmup >= 0")
    before = solution.count_live_tensors()
    for _ in range(warmup + iterations):
        result = step()
    nodes = solution.graph_size(result)
    del result
    after = solution.count_live_tensors()
    return {"tensors": [before, after], "graph_nodes": [0, nodes], "leaking": after > before}
