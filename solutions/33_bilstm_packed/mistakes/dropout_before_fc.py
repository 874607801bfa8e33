"""Mistake: an nn.Dropout(0.5) on the representation before fc.

Harmless in eval mode, so every eval check passes; in train mode fc no longer receives the
documented representation (half of it zeroed, the rest scaled by 2).
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "in train mode"
REJECTED_BY = "test_train_mode_gives_the_same_representation"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes, pad_idx=0, num_layers=1):
        super().__init__(vocab_size, embed_dim, hidden_dim, num_classes, pad_idx, num_layers)
        self.dropout = nn.Dropout(0.5)

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(
            self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = self.lstm(packed)
        return self.fc(self.dropout(torch.cat([h_n[-2], h_n[-1]], dim=1)))
