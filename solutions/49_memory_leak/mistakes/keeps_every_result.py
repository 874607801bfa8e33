"""Mistake: watch keeps every value step() returned, to measure them all later.

The detector itself then holds one tensor per call alive and reports its own leak.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the detector itself holds them alive"
REJECTED_BY = "test_watch_measures_after_dropping_the_result"

solution = solution_for(__file__)


def watch(step, iterations=5, warmup=1):
    if iterations < 2 or warmup < 0:
        raise ValueError("iterations must be >= 2 and warmup >= 0")
    for _ in range(warmup):
        step()
    results, tensors, nodes = [], [], []
    for _ in range(iterations):
        results.append(step())
        nodes.append(solution.graph_size(results[-1]))
        tensors.append(solution.count_live_tensors())
    leaking = tensors[-1] > tensors[0] or nodes[-1] > nodes[0]
    return {"tensors": tensors, "graph_nodes": nodes, "leaking": leaking}
