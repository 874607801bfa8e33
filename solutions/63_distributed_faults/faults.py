"""Kata 63: hung ranks, stragglers and restarts from a checkpoint. See README.md."""

from __future__ import annotations

import datetime
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.distributed as dist
from torch import Tensor, nn

TIMEOUT = datetime.timedelta(seconds=60)  # a short process-group timeout (gloo's is 30 min)


def find_stragglers(step_times: Tensor, factor: float = 1.5, warmup: int = 1) -> list[int]:
    """The ranks whose typical step is more than `factor` times slower than the fastest's.

    step_times: (world_size, steps) float, seconds: row r holds rank r's step times, in
    order; any float dtype and device, contiguous or not; it is not changed. The first
    `warmup` steps of every rank are ignored (start-up: allocation, caches). A rank's
    typical step is the median of the rest, as torch.median takes it (for an even count,
    the lower of the two middle values), so one slow step (a checkpoint, a GC pause) does
    not make a straggler, while a rank that is slow at every step does. Rank r is a
    straggler when its median > factor * the smallest median over the ranks.

    Returns the stragglers' ranks in increasing order ([] when there are none). Raises
    ValueError if step_times is not 2-D, if no step is left after warmup, or if
    factor < 1 (every rank would be slower than "factor times the fastest").
    """
    if step_times.dim() != 2:
        raise ValueError(f"step_times must be (world_size, steps), got {tuple(step_times.shape)}")
    if factor < 1:
        raise ValueError(f"factor must be at least 1, got {factor}")
    if warmup < 0 or step_times.shape[1] - warmup < 1:
        raise ValueError(
            f"warmup={warmup} leaves no step of the {step_times.shape[1]} recorded per rank"
        )
    medians = step_times[:, warmup:].median(dim=1).values  # (world_size,): one per rank
    slow = medians > factor * medians.min()
    return [int(r) for r in torch.nonzero(slow).flatten()]


def gather_step_times(step_fn: Callable[[], None], steps: int) -> Tensor:
    """Run step_fn() `steps` times on this rank, time each call, and gather every rank's times.

    Call it on every rank of an initialized default process group with the same `steps`.
    Time each call with time.perf_counter(), around step_fn() alone: no collective may
    sit inside the timed region, since a rank waiting in one for a slow peer would be
    timed as slow too, and every rank's times would look alike. Then all_gather the
    (steps,) float64 tensors of times (dist.all_gather; on the CPU for gloo, on
    torch.cuda.current_device() for nccl).

    Returns a (world_size, steps) float64 CPU tensor, row r holding rank r's times, the
    same on every rank: the input of find_stragglers.
    """
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step_fn()
        times.append(time.perf_counter() - start)  # local work only, before any collective
    device = (
        torch.device("cuda", torch.cuda.current_device())
        if dist.get_backend() == "nccl"
        else torch.device("cpu")
    )
    mine = torch.tensor(times, dtype=torch.float64, device=device)
    rows = [torch.empty_like(mine) for _ in range(dist.get_world_size())]
    dist.all_gather(rows, mine)
    return torch.stack(rows).cpu()


_MISSING = re.compile(r"Ranks? ([\d, ]+) failed to pass monitoredBarrier")


def hung_ranks(timeout_s: float) -> list[int]:
    """Wait at most timeout_s for every rank to check in; return the ranks that did not.

    Call it on every rank that is still alive, in an initialized gloo process group.
    Use dist.monitored_barrier(timeout=datetime.timedelta(seconds=timeout_s),
    wait_all_ranks=True): rank 0 waits for every other rank and, after timeout_s, raises
    a RuntimeError that names every missing rank ("Ranks 1, 3 failed to pass
    monitoredBarrier in 3000 ms"; without wait_all_ranks only the first). A plain
    dist.barrier() would wait for the process group's whole timeout and name no one.

    Returns [] when every rank arrived. On rank 0, when some did not, returns their ranks
    in increasing order, read from that error's message, instead of raising. Any other
    error, and any failure on another rank (which can only wait for rank 0), is raised.
    """
    try:
        dist.monitored_barrier(timeout=datetime.timedelta(seconds=timeout_s), wait_all_ranks=True)
    except RuntimeError as err:
        found = _MISSING.search(str(err))
        if dist.get_rank() != 0 or found is None:
            raise
        return sorted(int(r) for r in found.group(1).split(","))
    return []


def train_resumable(
    rank: int,
    world_size: int,
    init_method: str,
    model_fn: Callable[[], nn.Module],
    data_fn: Callable[[int, int], tuple[Tensor, Tensor]],
    checkpoint: str | Path,
    *,
    steps: int,
    every: int,
    lr: float = 0.05,
) -> dict[str, Tensor]:
    """DDP training that checkpoints every `every` steps and resumes after a crash exactly.

    Every rank calls this with the same arguments but its own rank. The steps:

    1. dist.init_process_group("gloo", init_method=init_method, rank=rank,
       world_size=world_size, timeout=...) with a short timeout (at most 5 minutes).
    2. model = model_fn() (the same weights on every rank), wrapped in
       DistributedDataParallel; optimizer = torch.optim.SGD(ddp.parameters(), lr=lr,
       momentum=0.9).
    3. If the file `checkpoint` exists, every rank loads it (torch.load(...,
       weights_only=True, map_location="cpu")) into the model and the optimizer (the
       momentum buffers matter) and starts at its "step"; else at step 0.
    4. For step in range(start, steps): x, y = data_fn(step, rank), zero_grad,
       F.mse_loss(ddp(x), y), backward, optimizer.step(). Then, when (step + 1) is a
       multiple of `every`, rank 0 alone saves {"model": model.state_dict(),
       "optimizer": optimizer.state_dict(), "step": step + 1} to `checkpoint` atomically:
       torch.save to a temporary file beside it, then os.replace, so a crash never leaves
       half a checkpoint behind.
    5. dist.barrier(), dist.destroy_process_group().

    Returns the model's state dict, cloned to the CPU. A rank may die at any step
    (data_fn may kill it): a second call with the same arguments then resumes from the
    last checkpoint and ends with exactly the weights of a run that never stopped, on
    every rank, without redoing the steps the checkpoint already holds.
    """
    from torch.nn.parallel import DistributedDataParallel

    dist.init_process_group(
        "gloo", init_method=init_method, rank=rank, world_size=world_size, timeout=TIMEOUT
    )
    model = model_fn()
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr, momentum=0.9)
    checkpoint = Path(checkpoint)
    start = 0
    if checkpoint.exists():  # every rank loads: the momentum buffers live on every rank
        saved = torch.load(checkpoint, weights_only=True, map_location="cpu")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        start = saved["step"]
    for step in range(start, steps):
        x, y = data_fn(step, rank)
        optimizer.zero_grad()
        nn.functional.mse_loss(ddp(x), y).backward()
        optimizer.step()
        if (step + 1) % every == 0 and rank == 0:
            state = {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "step": step + 1,
            }
            partial = checkpoint.with_name(checkpoint.name + ".tmp")
            torch.save(state, partial)
            os.replace(partial, checkpoint)  # atomic: the old checkpoint or the new one
    result = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    dist.barrier()
    dist.destroy_process_group()
    return result
