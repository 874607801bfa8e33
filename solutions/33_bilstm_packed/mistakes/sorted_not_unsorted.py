"""Mistake: sorts the batch by length for enforce_sorted=True and never undoes the sort.

The logits come back longest-first, so row i no longer belongs to input row i (and the
loss pairs them with the wrong labels).
"""

import torch
from torch.nn.utils.rnn import pack_padded_sequence

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "sorted order"
REJECTED_BY = "test_unsorted_batches_keep_their_order"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def forward(self, tokens, lengths):
        lengths, order = torch.sort(lengths, descending=True)
        packed = pack_padded_sequence(
            self.embedding(tokens[order]), lengths.cpu(), batch_first=True
        )
        _, (h_n, _) = self.lstm(packed)
        return self.fc(torch.cat([h_n[-2], h_n[-1]], dim=1))
