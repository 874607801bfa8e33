"""Mistake: encode joins the roots' states with torch.cat instead of torch.stack.

cat of B vectors of shape (H,) is one (B * H,) vector: the batch dimension is lost.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "torch.cat"
REJECTED_BY = "test_encode_stacks_the_roots_hidden_states"

solution = solution_for(__file__)


class TreeLSTM(solution.TreeLSTM):
    def encode(self, trees):
        if not trees:
            raise ValueError("no trees")
        return torch.cat([self(tree)[0] for tree in trees])
