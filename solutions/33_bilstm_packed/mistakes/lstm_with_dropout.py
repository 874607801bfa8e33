"""Mistake: nn.LSTM(..., dropout=0.5) between the stacked layers, as many tutorials do.

The docstring's LSTM has no dropout: in train mode the top layer then sees a randomly
masked first layer, so fc's input is no longer what running the row alone gives.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "dropout"
REJECTED_BY = "test_submodules_have_the_documented_names_and_sizes"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes, pad_idx=0, num_layers=1):
        super().__init__(vocab_size, embed_dim, hidden_dim, num_classes, pad_idx, num_layers)
        self.lstm = nn.LSTM(
            embed_dim,
            hidden_dim,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=True,
            dropout=0.5 if num_layers > 1 else 0.0,
        )
