"""Mistake: each block is Conv2d, ReLU, BatchNorm2d instead of Conv2d, BatchNorm2d, ReLU.

A plausible layout, but not the one asked for: the logits differ from the reference.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "wrong order"
REJECTED_BY = "test_train_mode_uses_batch_statistics_and_updates_running_ones"


class SmallCNN(solution.SmallCNN):
    def __init__(self, in_channels, num_classes, p=0.5):
        super().__init__(in_channels, num_classes, p)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 16, 3, padding=1, bias=False),
            nn.ReLU(),
            nn.BatchNorm2d(16),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False),
            nn.ReLU(),
            nn.BatchNorm2d(32),
        )
