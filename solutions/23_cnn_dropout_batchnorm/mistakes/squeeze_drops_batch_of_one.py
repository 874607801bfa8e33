"""Mistake: global pooling as F.adaptive_avg_pool2d(h, 1).squeeze().

squeeze() without a dim also drops the batch dimension of a batch of one: a single image
gives logits of shape (num_classes,) instead of (1, num_classes).
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "squeeze() without a dim"
REJECTED_BY = "test_output_shape"


class SmallCNN(solution.SmallCNN):
    def forward(self, x):
        h = F.adaptive_avg_pool2d(self.features(x), 1).squeeze()
        return self.classifier(self.dropout(h))
