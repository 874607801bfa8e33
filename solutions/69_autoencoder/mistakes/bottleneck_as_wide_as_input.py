"""Mistake: the encoder's last layer outputs in_features numbers, ignoring code_size.

With a code as wide as the input the model can learn the identity: the loss falls to
nearly zero and nothing is compressed.
"""

from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "code width"
REJECTED_BY = "test_code_has_the_requested_width"

solution = solution_for(__file__)


class Autoencoder(solution.Autoencoder):
    def __init__(self, in_features, code_size, hidden=32):
        super().__init__(in_features, code_size, hidden)
        self.encoder = nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, in_features)
        )
        self.decoder = nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, in_features)
        )
