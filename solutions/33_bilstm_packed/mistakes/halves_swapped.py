"""Mistake: concatenates h_n[-1] before h_n[-2], the backward direction first.

The logits still do not depend on padding, but fc's input is not the documented
representation (forward, then backward), so weights trained or copied for it break.
"""

import torch
from torch.nn.utils.rnn import pack_padded_sequence

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "halves of fc's input are swapped"
REJECTED_BY = "test_representation_is_forward_at_last_token_and_backward_at_first"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(
            self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = self.lstm(packed)
        return self.fc(torch.cat([h_n[-1], h_n[-2]], dim=1))
