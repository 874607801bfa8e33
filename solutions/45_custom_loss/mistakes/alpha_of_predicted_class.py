"""Mistake: alpha indexed by the predicted class (argmax) instead of the target.

alpha is a per-class weight of the ground truth: a rare class gets more weight when it is
the target, whatever the model predicts.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "alpha of the predicted class"
REJECTED_BY = "test_alpha_weights_each_sample_by_its_target_class"


class FocalLoss(solution.FocalLoss):
    def forward(self, logits, targets):
        if logits.dim() != 2 or targets.shape != (logits.shape[0],):
            raise ValueError("bad shapes")
        if self.alpha is not None and self.alpha.numel() != logits.shape[1]:
            raise ValueError("alpha has the wrong length")
        keep = targets != self.ignore_index
        safe = torch.where(keep, targets, torch.zeros_like(targets))
        log_pt = F.log_softmax(logits, dim=1).gather(1, safe[:, None]).squeeze(1)
        loss = -((-torch.expm1(log_pt)) ** self.gamma) * log_pt
        if self.alpha is not None:
            loss = self.alpha.to(loss.dtype)[logits.argmax(1)] * loss
        loss = torch.where(keep, loss, torch.zeros_like(loss))
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.sum() / keep.sum()
