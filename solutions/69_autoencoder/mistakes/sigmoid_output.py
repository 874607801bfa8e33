"""Mistake: a sigmoid after the decoder's last layer, copied from an MNIST tutorial.

Pixel data lies in [0, 1], but this data does not: the reconstruction can never reach
values below 0 or above 1, and the loss stays high.
"""

from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "sigmoid"
REJECTED_BY = "test_encode_and_decode_follow_the_documented_layers"

solution = solution_for(__file__)


class Autoencoder(solution.Autoencoder):
    def decode(self, code):
        return nn.functional.sigmoid(self.decoder(code))
