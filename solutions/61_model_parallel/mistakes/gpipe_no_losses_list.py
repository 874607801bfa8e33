"""Mistake: the last rank calls schedule.step(target=y) without a losses list.

The schedule computes and backpropagates each micro-batch loss but hands none back: the
training loop has no loss to log.
"""

import torch.distributed as dist
from torch import nn
from torch.distributed.pipelining import PipelineStage, ScheduleGPipe

CAUGHT_BY = "without losses="
REJECTED_BY = "test_gpipe_last_rank_returns_one_loss_per_microbatch"


def gpipe_rank(model, split, x, y, n_microbatches, device):
    rank = dist.get_rank()
    stage_module = (model[:split] if rank == 0 else model[split:]).to(device)
    stage = PipelineStage(stage_module, rank, 2, device)
    schedule = ScheduleGPipe(stage, n_microbatches, loss_fn=nn.functional.mse_loss)
    if rank == 0:
        schedule.step(x.to(device))
    else:
        schedule.step(target=y.to(device))
    grads = {name: p.grad.detach().cpu().clone() for name, p in stage_module.named_parameters()}
    return grads, []
