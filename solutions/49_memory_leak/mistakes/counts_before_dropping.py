"""Mistake: the live tensors counted while step()'s result is still held.

Every measurement then includes the returned tensor: the counts describe the detector's
own variable, not what the loop keeps.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "counting before dropping"
REJECTED_BY = "test_watch_measures_after_dropping_the_result"

solution = solution_for(__file__)


def watch(step, iterations=5, warmup=1):
    if iterations < 2 or warmup < 0:
        raise ValueError("iterations must be >= 2 and warmup >= 0")
    for _ in range(warmup):
        step()
    tensors, nodes = [], []
    for _ in range(iterations):
        result = step()
        nodes.append(solution.graph_size(result))
        tensors.append(solution.count_live_tensors())
    leaking = tensors[-1] > tensors[0] or nodes[-1] > nodes[0]
    return {"tensors": tensors, "graph_nodes": nodes, "leaking": leaking}
