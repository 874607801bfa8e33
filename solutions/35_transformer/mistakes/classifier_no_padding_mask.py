"""Mistake: the encoder is called without src_key_padding_mask.

Every real token then attends to the padding too, and the masked mean cannot undo that:
the logits depend on what and how much padding the batch carries.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "src_key_padding_mask was not given"
REJECTED_BY = "test_classifier_equals_each_row_run_alone"


class TransformerClassifier(solution.TransformerClassifier):
    def forward(self, tokens, lengths, causal=False):
        T = tokens.size(1)
        if bool((lengths < 1).any()):
            raise ValueError("every sequence needs a real token")
        x = self.embedding(tokens) + self.position(torch.arange(T, device=tokens.device))
        mask = solution.causal_mask(T, dtype=torch.bool, device=tokens.device) if causal else None
        hidden = self.encoder(x, mask=mask)
        real = (torch.arange(T, device=tokens.device) < lengths[:, None]).unsqueeze(-1)
        pooled = (hidden * real).sum(dim=1) / lengths[:, None].to(hidden.dtype)
        return self.fc(pooled)
