"""Mistake: Dropout applied to the logits, after the Linear.

Train and eval still differ, but dropping logits is not regularising the classifier's
input: zeroed logits are just "class score 0", and the layout asked for is mean, Dropout,
Linear.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "sits between the mean over (H, W) and the Linear"
REJECTED_BY = "test_dropout_sits_before_the_linear_in_train_mode"


class SmallCNN(solution.SmallCNN):
    def forward(self, x):
        h = self.features(x).mean(dim=(2, 3))
        return self.dropout(self.classifier(h))
