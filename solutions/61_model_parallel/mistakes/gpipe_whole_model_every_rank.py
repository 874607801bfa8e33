"""Mistake: every rank runs the whole model itself and keeps the gradients of its half.

The gradients come out right, but nothing is pipelined: each rank holds and computes the
whole model, which is what splitting it was meant to avoid.
"""

import torch.distributed as dist
from torch import nn

CAUGHT_BY = "ran layers of the other stage"
REJECTED_BY = "test_gpipe_each_rank_runs_only_its_stage"


def gpipe_rank(model, split, x, y, n_microbatches, device):
    model = model.to(device)
    nn.functional.mse_loss(model(x.to(device)), y.to(device)).backward()
    rank = dist.get_rank()
    stage = model[:split] if rank == 0 else model[split:]
    grads = {name: p.grad.detach().cpu().clone() for name, p in stage.named_parameters()}
    losses = []
    if rank == 1:
        for a, b in zip(
            x.tensor_split(n_microbatches), y.tensor_split(n_microbatches), strict=True
        ):
            losses.append(nn.functional.mse_loss(model(a.to(device)), b.to(device)).item())
    return grads, losses
