"""Mistake: the graph walked without remembering the nodes already counted.

A node reached by two paths (any value used twice) is counted twice; a chain of diamonds
doubles the count, and the time, at every level.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "counted shared nodes more than once"
REJECTED_BY = "test_shared_nodes_count_once"

solution = solution_for(__file__)


def graph_size(obj):
    stack = [t.grad_fn for t in solution._tensors_in(obj) if t.grad_fn is not None]
    count = 0
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(parent for parent, _ in node.next_functions if parent is not None)
    return count
