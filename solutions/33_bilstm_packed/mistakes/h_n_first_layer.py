"""Mistake: concatenates h_n[0] and h_n[1] as the two directions' final states.

Right for one layer; with num_layers=2, h_n is (num_layers * 2, B, H) layer by layer, so
h_n[0] and h_n[1] are the first layer's states and the top layer's are h_n[-2], h_n[-1].
"""

import torch
from torch.nn.utils.rnn import pack_padded_sequence

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "first layer's states, not the top layer's"
REJECTED_BY = "test_representation_is_forward_at_last_token_and_backward_at_first"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(
            self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = self.lstm(packed)
        return self.fc(torch.cat([h_n[0], h_n[1]], dim=1))
