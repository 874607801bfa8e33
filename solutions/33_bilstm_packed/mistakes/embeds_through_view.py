"""Mistake: flattens tokens with .view(-1) before the embedding and back after.

.view needs a contiguous tensor: a batch sliced out of a wider one (tokens[:, :T]) or
transposed raises instead of being classified. nn.Embedding takes (B, T) directly.
"""

import torch
from torch.nn.utils.rnn import pack_padded_sequence

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "non-contiguous"
REJECTED_BY = "test_non_contiguous_tokens_and_lengths"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def forward(self, tokens, lengths):
        b, t = tokens.shape
        embedded = self.embedding(tokens.view(-1)).view(b, t, -1)
        packed = pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = self.lstm(packed)
        return self.fc(torch.cat([h_n[-2], h_n[-1]], dim=1))
