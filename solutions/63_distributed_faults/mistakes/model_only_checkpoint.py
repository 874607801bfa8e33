"""Mistake: the checkpoint holds the model's weights and the step, not the optimizer.

After the restart SGD's momentum buffers start again from zero: the resumed run drifts
away from the one that never stopped.
"""

import os
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "optimizer state is missing"
REJECTED_BY = "test_crashed_run_leaves_rank_0s_checkpoint_of_the_last_saved_step"


def train_resumable(
    rank, world_size, init_method, model_fn, data_fn, checkpoint, *, steps, every, lr=0.05
):
    from torch.nn.parallel import DistributedDataParallel

    dist.init_process_group(
        "gloo", init_method=init_method, rank=rank, world_size=world_size, timeout=solution.TIMEOUT
    )
    model = model_fn()
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr, momentum=0.9)
    checkpoint = Path(checkpoint)
    start = 0
    if checkpoint.exists():  # every rank loads: the momentum buffers live on every rank
        saved = torch.load(checkpoint, weights_only=True, map_location="cpu")
        model.load_state_dict(saved["model"])
        start = saved["step"]
    for step in range(start, steps):
        x, y = data_fn(step, rank)
        optimizer.zero_grad()
        nn.functional.mse_loss(ddp(x), y).backward()
        optimizer.step()
        if (step + 1) % every == 0 and rank == 0:
            state = {
                "model": model.state_dict(),
                "step": step + 1,
            }
            partial = checkpoint.with_name(checkpoint.name + ".tmp")
            torch.save(state, partial)
            os.replace(partial, checkpoint)  # atomic: the old checkpoint or the new one
    result = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    dist.barrier()
    dist.destroy_process_group()
    return result
