"""Mistake: logits -= logits.max(dim=1, keepdim=True).values, the max shift done in place.

It changes the caller's tensor (and fails on a leaf that requires grad); log_softmax
shifts internally and needs no such step.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "changed the caller's logits"
REJECTED_BY = "test_inputs_are_not_modified_and_a_transposed_view_works"


class FocalLoss(solution.FocalLoss):
    def forward(self, logits, targets):
        if logits.dim() != 2 or targets.shape != (logits.shape[0],):
            raise ValueError("bad shapes")
        if self.alpha is not None and self.alpha.numel() != logits.shape[1]:
            raise ValueError("alpha has the wrong length")
        keep = targets != self.ignore_index
        safe = torch.where(keep, targets, torch.zeros_like(targets))
        with torch.no_grad():
            logits -= logits.max(dim=1, keepdim=True).values
        log_pt = F.log_softmax(logits, dim=1).gather(1, safe[:, None]).squeeze(1)
        one_minus = -torch.expm1(log_pt)
        positive = one_minus > 0
        base = torch.where(positive, one_minus, torch.ones_like(one_minus))
        focal = torch.where(positive, base**self.gamma, torch.zeros_like(one_minus))
        if self.gamma == 0:
            focal = torch.ones_like(log_pt)
        loss = -focal * log_pt
        if self.alpha is not None:
            loss = self.alpha.to(loss.dtype)[safe] * loss
        loss = torch.where(keep, loss, torch.zeros_like(loss))
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.sum() / keep.sum()
