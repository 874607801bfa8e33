"""Mistake: Autoencoder accepts any code_size, even one as wide as the input.

Then there is no bottleneck: the identity is a perfect, useless answer.
"""

from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "no size check"
REJECTED_BY = "test_no_bottleneck_raises_value_error"

solution = solution_for(__file__)


class Autoencoder(solution.Autoencoder):
    def __init__(self, in_features, code_size, hidden=32):
        nn.Module.__init__(self)
        self.encoder = nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, code_size)
        )
        self.decoder = nn.Sequential(
            nn.Linear(code_size, hidden), nn.ReLU(), nn.Linear(hidden, in_features)
        )
