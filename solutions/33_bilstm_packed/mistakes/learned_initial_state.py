"""Mistake: adds a learned initial state (h0, c0) as extra nn.Parameters.

A known trick, but not this model: the docstring allows no other parameters, and the
logits then differ from the documented representation of each row run alone.
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "no other parameters"
REJECTED_BY = "test_no_other_parameters"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes, pad_idx=0, num_layers=1):
        super().__init__(vocab_size, embed_dim, hidden_dim, num_classes, pad_idx, num_layers)
        self.h0 = nn.Parameter(torch.zeros(2 * num_layers, 1, hidden_dim))
        self.c0 = nn.Parameter(torch.zeros(2 * num_layers, 1, hidden_dim))

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(
            self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        b = tokens.shape[0]
        state = (self.h0.expand(-1, b, -1).contiguous(), self.c0.expand(-1, b, -1).contiguous())
        _, (h_n, _) = self.lstm(packed, state)
        return self.fc(torch.cat([h_n[-2], h_n[-1]], dim=1))
