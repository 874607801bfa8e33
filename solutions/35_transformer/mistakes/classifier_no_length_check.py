"""Mistake: no check for a length of 0: such a row is averaged over nothing.

Its attention has no key (NaN) and its mean divides by zero; the docstring asks for a
ValueError.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_classifier_rejects_an_empty_sequence"


class TransformerClassifier(solution.TransformerClassifier):
    def forward(self, tokens, lengths, causal=False):
        T = tokens.size(1)
        x = self.embedding(tokens) + self.position(torch.arange(T, device=tokens.device))
        pad = solution.padding_mask(lengths, T)
        mask = solution.causal_mask(T, dtype=torch.bool, device=tokens.device) if causal else None
        hidden = self.encoder(x, mask=mask, src_key_padding_mask=pad)
        real = (~pad).unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * real).sum(dim=1) / lengths[:, None].to(hidden.dtype)
        return self.fc(pooled)
