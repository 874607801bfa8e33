"""Mistake: cross_entropy that shifts the logits in place, logits -= logits.max(...).

The loss is right, but the caller's logits changed under them (each row's max is now 0),
and on logits that require grad the in-place write on a leaf raises.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's argument 0"
REJECTED_BY = "test_losses_leave_the_callers_tensors_alone"
solution = solution_for(__file__)


def cross_entropy(logits, target, reduction="mean"):
    logits -= logits.max(dim=1, keepdim=True).values
    lse = torch.log(torch.exp(logits).sum(dim=1))
    picked = logits.gather(1, target.unsqueeze(1)).squeeze(1)
    return solution._reduce(lse - picked, reduction)
