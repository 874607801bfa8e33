"""Mistake: pack_padded_sequence with its default enforce_sorted=True.

Correct for batches sorted by decreasing length, but an unsorted batch raises a
RuntimeError; the DataLoader does not sort batches.
"""

import torch
from torch.nn.utils.rnn import pack_padded_sequence

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "enforce_sorted=False"
REJECTED_BY = "test_unsorted_batches_keep_their_order"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(self.embedding(tokens), lengths.cpu(), batch_first=True)
        _, (h_n, _) = self.lstm(packed)
        return self.fc(torch.cat([h_n[-2], h_n[-1]], dim=1))
