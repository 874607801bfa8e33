"""Mistake: mean-pools the encoder's outputs over all T positions, padding included.

The padded positions' outputs enter the average, so the logits change with the amount of
padding even though attention ignores it.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "mean over all positions"
REJECTED_BY = "test_classifier_equals_each_row_run_alone"


class TransformerClassifier(solution.TransformerClassifier):
    def forward(self, tokens, lengths, causal=False):
        T = tokens.size(1)
        if bool((lengths < 1).any()):
            raise ValueError("every sequence needs a real token")
        x = self.embedding(tokens) + self.position(torch.arange(T, device=tokens.device))
        pad = solution.padding_mask(lengths, T)
        mask = solution.causal_mask(T, dtype=torch.bool, device=tokens.device) if causal else None
        hidden = self.encoder(x, mask=mask, src_key_padding_mask=pad)
        return self.fc(hidden.mean(dim=1))
