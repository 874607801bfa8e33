"""Mistake: a Python `if h.mean() > 0:` in forward instead of torch.cond.

Fine in eager mode, but export cannot decide a condition on a tensor's value while
tracing: it fails with a data-dependent guard error (torch.jit.trace would silently keep
one branch instead).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "a Python `if` on a tensor's value"
REJECTED_BY = "test_gate_exports_with_both_branches_in_the_graph"

solution = solution_for(__file__)


class Gate(solution.Gate):
    def forward(self, x):
        h = self.drop(self.norm(x))
        if h.mean() > 0:
            return self.high(h)
        return self.low(h)
