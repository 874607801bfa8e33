"""Mistake: an activation after every Linear, the code included (ReLU on the code).

The code is then never negative: half of every code direction is cut off, and the
encoder no longer computes the documented layers.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "ReLU after the encoder's last Linear"
REJECTED_BY = "test_encode_and_decode_follow_the_documented_layers"

solution = solution_for(__file__)


class Autoencoder(solution.Autoencoder):
    def encode(self, x):
        return torch.relu(self.encoder(x))
