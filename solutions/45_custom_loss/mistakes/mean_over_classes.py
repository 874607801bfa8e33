"""Mistake: the loss written over the whole (N, C) grid with a one-hot mask, then .mean().

The mask zeroes the non-target classes, but .mean() still divides by N * C: the loss (and
the learning rate it implies) shrinks with the number of classes.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "(N * C)"
REJECTED_BY = "test_gamma_zero_is_cross_entropy_with_its_gradients"


class FocalLoss(solution.FocalLoss):
    def forward(self, logits, targets):
        if logits.dim() != 2 or targets.shape != (logits.shape[0],):
            raise ValueError("bad shapes")
        if self.alpha is not None and self.alpha.numel() != logits.shape[1]:
            raise ValueError("alpha has the wrong length")
        keep = targets != self.ignore_index
        safe = torch.where(keep, targets, torch.zeros_like(targets))
        log_p = F.log_softmax(logits, dim=1)
        one_hot = F.one_hot(safe, logits.shape[1]).to(logits.dtype) * keep[:, None]
        p = log_p.exp()
        grid = -one_hot * (1 - p) ** self.gamma * log_p  # (N, C)
        if self.alpha is not None:
            grid = grid * self.alpha.to(grid.dtype)
        if self.reduction == "none":
            return grid.sum(1)
        return grid.sum() if self.reduction == "sum" else grid.mean()
