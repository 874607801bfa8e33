"""Mistake: BatchNorm2d(C, momentum=0.9), momentum in the Keras/TensorFlow sense.

In PyTorch momentum is the weight of the new batch (0.1 by default), not of the old
statistics: 0.9 makes the running statistics follow each batch almost entirely.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "Keras/TensorFlow sense"
REJECTED_BY = "test_batchnorm_layers_keep_their_defaults"


class SmallCNN(solution.SmallCNN):
    def __init__(self, in_channels, num_classes, p=0.5):
        super().__init__(in_channels, num_classes, p)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16, momentum=0.9),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False),
            nn.BatchNorm2d(32, momentum=0.9),
            nn.ReLU(),
        )
