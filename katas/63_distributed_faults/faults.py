"""Kata 63: hung ranks, stragglers and restarts from a checkpoint. See README.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from torch import Tensor, nn


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
    # TODO: check the shape, factor and warmup; per-rank medians of step_times[:, warmup:]
    # (torch.median, dim=1); the ranks whose median > factor * the smallest
    raise NotImplementedError("TODO: find_stragglers(step_times, factor, warmup)")


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
    # TODO: time.perf_counter() around each step_fn() call, then dist.all_gather the
    # (steps,) float64 tensors into (world_size, steps) on the CPU
    raise NotImplementedError("TODO: gather_step_times(step_fn, steps)")


# ready-made: the missing ranks in monitored_barrier's error, e.g. "Ranks 1, 3 failed to pass"
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
    # TODO: dist.monitored_barrier(timeout=timedelta(seconds=timeout_s),
    # wait_all_ranks=True); on rank 0, read the missing ranks from the RuntimeError
    raise NotImplementedError("TODO: hung_ranks(timeout_s)")


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
    # TODO: init_process_group with a short timeout, DDP + SGD(momentum=0.9), load the
    # checkpoint if it exists (model, optimizer, step), train from its step, rank 0 saves
    # atomically every `every` steps (torch.save to a .tmp file, then os.replace)
    raise NotImplementedError("TODO: train_resumable(rank, world_size, init_method, ...)")
