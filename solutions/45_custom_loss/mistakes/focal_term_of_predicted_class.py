"""Mistake: (1 - p) ** gamma with p the largest probability, the predicted class.

The focal term must down-weight samples whose TARGET is already likely; with the predicted
class, a confidently wrong sample is down-weighted too, the opposite of the point.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "PREDICTED class"
REJECTED_BY = "test_per_sample_loss_equals_the_formula"


class FocalLoss(solution.FocalLoss):
    def forward(self, logits, targets):
        if logits.dim() != 2 or targets.shape != (logits.shape[0],):
            raise ValueError("bad shapes")
        if self.alpha is not None and self.alpha.numel() != logits.shape[1]:
            raise ValueError("alpha has the wrong length")
        keep = targets != self.ignore_index
        safe = torch.where(keep, targets, torch.zeros_like(targets))
        log_p = F.log_softmax(logits, dim=1)
        log_pt = log_p.gather(1, safe[:, None]).squeeze(1)
        p_max = log_p.exp().max(dim=1).values
        loss = -((1 - p_max) ** self.gamma) * log_pt
        if self.alpha is not None:
            loss = self.alpha.to(loss.dtype)[safe] * loss
        loss = torch.where(keep, loss, torch.zeros_like(loss))
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.sum() / keep.sum()
