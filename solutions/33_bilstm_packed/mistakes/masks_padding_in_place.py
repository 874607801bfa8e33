"""Mistake: forward overwrites the padded places of the caller's tokens with pad_idx.

The logits are right (padding is never read anyway), but the caller's batch has changed:
"ignored" means not read, not rewritten.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "changed the caller's tokens"
REJECTED_BY = "test_forward_leaves_tokens_and_lengths_untouched"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def forward(self, tokens, lengths):
        padded = torch.arange(tokens.shape[1], device=tokens.device) >= lengths[:, None]
        tokens.masked_fill_(padded, self.embedding.padding_idx)
        return super().forward(tokens, lengths)
