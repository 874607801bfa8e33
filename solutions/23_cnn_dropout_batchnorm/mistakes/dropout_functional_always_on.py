"""Mistake: forward calls F.dropout(h, self.dropout.p) instead of the nn.Dropout layer.

F.dropout's training argument defaults to True, so dropout stays on after model.eval():
the same image gets different predictions at test time.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "defaults to True"
REJECTED_BY = "test_dropout_is_active_in_train_mode_only"


class SmallCNN(solution.SmallCNN):
    def forward(self, x):
        h = self.features(x).mean(dim=(2, 3))
        return self.classifier(F.dropout(h, self.dropout.p))
