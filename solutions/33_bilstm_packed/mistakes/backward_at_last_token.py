"""Mistake: reads both directions of the output at the last real token, t = lengths - 1.

Right for the forward direction, but there the backward direction has only seen the last
token; its summary of the whole sequence is its output at t = 0.
"""

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "first token, t = 0"
REJECTED_BY = "test_representation_is_forward_at_last_token_and_backward_at_first"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(
            self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True)  # (B, T, 2H)
        rows = torch.arange(out.shape[0], device=out.device)
        return self.fc(out[rows, lengths.to(out.device) - 1])
