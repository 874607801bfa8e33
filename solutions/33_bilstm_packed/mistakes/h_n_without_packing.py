"""Mistake: runs the LSTM on the padded batch without packing and uses h_n.

The forward direction's h_n comes after the padding steps, and the backward direction
starts in the padding, so the logits change with the amount of padding.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "padding columns"
REJECTED_BY = "test_logits_do_not_depend_on_padding"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def forward(self, tokens, lengths):
        _, (h_n, _) = self.lstm(self.embedding(tokens))
        return self.fc(torch.cat([h_n[-2], h_n[-1]], dim=1))
