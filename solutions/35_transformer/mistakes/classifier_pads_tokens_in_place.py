"""Mistake: writes pad_idx into the caller's tokens at the padded positions (in place).

The logits are right, but the caller's batch is changed behind its back: the docstring
says inputs are not modified.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "changed the caller's tokens"
REJECTED_BY = "test_classifier_inputs_are_not_modified"


class TransformerClassifier(solution.TransformerClassifier):
    def forward(self, tokens, lengths, causal=False):
        pad = solution.padding_mask(lengths, tokens.size(1))
        tokens[pad] = self.embedding.padding_idx
        return super().forward(tokens, lengths, causal)
