"""Mistake: following only next_functions[0], the length of one grad_fn chain.

A node has one edge per input: a * b + c.exp() has six nodes, and the first-input chain
sees three of them.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "followed only the first input"
REJECTED_BY = "test_follows_every_input_and_skips_none"

solution = solution_for(__file__)


def graph_size(obj):
    count = 0
    for t in solution._tensors_in(obj):
        node = t.grad_fn
        while node is not None:
            count += 1
            node = node.next_functions[0][0] if node.next_functions else None
    return count
