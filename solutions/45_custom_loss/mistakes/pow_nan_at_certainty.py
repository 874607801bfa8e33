"""Mistake: (1 - p_t) ** gamma taken everywhere, also where 1 - p_t is exactly 0.

For gamma < 1 the power has an infinite slope at 0; autograd multiplies it by the zero
log p_t and the gradient is NaN for every confidently right sample in float32.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "infinite slope for gamma < 1"
REJECTED_BY = "test_extreme_logits_give_finite_losses_and_gradients"


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
            loss = self.alpha.to(loss.dtype)[safe] * loss
        loss = torch.where(keep, loss, torch.zeros_like(loss))
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.sum() / keep.sum()
