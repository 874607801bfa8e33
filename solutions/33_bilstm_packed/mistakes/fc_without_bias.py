"""Mistake: the classifier head is nn.Linear(2 * hidden_dim, num_classes, bias=False).

The docstring's fc is a plain nn.Linear, with its bias (README: bias=True); without it the
model has different parameters, and a state_dict saved from the documented model no longer
loads.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "fc.bias"
REJECTED_BY = "test_no_other_parameters"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes, pad_idx=0, num_layers=1):
        super().__init__(vocab_size, embed_dim, hidden_dim, num_classes, pad_idx, num_layers)
        self.fc = nn.Linear(2 * hidden_dim, num_classes, bias=False)
