"""Mistake: checkpointing in every mode, evaluation and no_grad included.

Without gradients nothing is saved for backward, so checkpointing there only adds work
(copies of the random state, hooks) and never saves memory.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "checkpointing in eval mode or under no_grad"
REJECTED_BY = "test_stack_runs_plainly_without_checkpoint_when_nothing_is_saved"

solution = solution_for(__file__)


class CheckpointedStack(solution.CheckpointedStack):
    def forward(self, x):
        return solution.checkpoint_in_segments(self.blocks, x, self.segments)
