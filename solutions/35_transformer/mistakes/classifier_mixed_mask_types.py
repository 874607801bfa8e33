"""Mistake: a float causal mask (0 / -inf) next to a bool src_key_padding_mask.

Both work alone, but torch warns ("Support for mismatched src_key_padding_mask and mask is
deprecated") when one call mixes the two types; give them the same type.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "same type"
REJECTED_BY = "test_classifier_equals_each_row_run_alone"


class TransformerClassifier(solution.TransformerClassifier):
    def forward(self, tokens, lengths, causal=False):
        T = tokens.size(1)
        if bool((lengths < 1).any()):
            raise ValueError("every sequence needs a real token")
        x = self.embedding(tokens) + self.position(torch.arange(T, device=tokens.device))
        pad = solution.padding_mask(lengths, T)
        mask = solution.causal_mask(T, dtype=x.dtype, device=tokens.device) if causal else None
        hidden = self.encoder(x, mask=mask, src_key_padding_mask=pad)
        real = (~pad).unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * real).sum(dim=1) / lengths[:, None].to(hidden.dtype)
        return self.fc(pooled)
