"""Mistake: every entry of next_functions followed, None included.

An input that needs no gradient appears as (None, 0); reading None.next_functions raises.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "skip None entries"
REJECTED_BY = "test_counts_a_chain_of_operations"

solution = solution_for(__file__)


def graph_size(obj):
    stack = [t.grad_fn for t in solution._tensors_in(obj) if t.grad_fn is not None]
    seen = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(parent for parent, _ in node.next_functions)
    return len(seen)
