"""Mistake: Dropout applied to the (B, 32, H, W) feature maps, before the mean.

Each dropped pixel only nudges the mean, so the regularisation is much weaker than
dropping pooled features, and the layer order asked for is mean, Dropout, Linear.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "sits between the mean over (H, W) and the Linear"
REJECTED_BY = "test_dropout_sits_before_the_linear_in_train_mode"


class SmallCNN(solution.SmallCNN):
    def forward(self, x):
        h = self.dropout(self.features(x)).mean(dim=(2, 3))
        return self.classifier(h)
