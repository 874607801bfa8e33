"""Kata 54: where the time goes, with torch.profiler. See README.md in this folder."""

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.profiler import ProfilerActivity, profile, record_function, schedule


def op_table(prof: profile) -> list[tuple[str, int, float]]:
    """The operators of a finished profile, the most expensive first.

    prof: a torch.profiler.profile whose `with` block has ended. Returns one row
    (name, calls, self_cpu_us) per operator name, read from prof.key_averages(): name is
    the entry's key ("aten::mm"), calls how many times it ran, self_cpu_us its SELF CPU
    time summed over all those calls, in microseconds (the time spent in the operator
    itself, not in the operators it called). record_function labels are not operators:
    leave out every user annotation, torch's own ("ProfilerStep*",
    "Optimizer.step#SGD.step") included. Rows sorted by self_cpu_us, largest first.
    Does not change prof.
    """
    rows = [
        (avg.key, avg.count, avg.self_cpu_time_total)
        for avg in prof.key_averages()  # grouped by name only (not by input shape)
        if not avg.is_user_annotation
    ]
    return sorted(rows, key=lambda row: row[2], reverse=True)


def region_table(prof: profile) -> dict[str, tuple[int, float]]:
    """The record_function labels of a finished profile: label -> (calls, total_cpu_us).

    prof: a torch.profiler.profile whose `with` block has ended. One entry per label (every
    user annotation in prof.key_averages(), torch's own included, and no operators): calls
    is how many times the labelled region ran, total_cpu_us its TOTAL CPU time summed over
    those calls, in microseconds: everything that ran inside the region, the operators
    included. Does not change prof.
    """
    # a region's self time is only the Python between its ops: its cost is the total
    return {
        avg.key: (avg.count, avg.cpu_time_total)
        for avg in prof.key_averages()
        if avg.is_user_annotation
    }


def find_bottleneck(fn: Callable[..., Any], *args: Any) -> tuple[str, str | None]:
    """Profile one call fn(*args) (CPU activity) and say where its time went.

    Returns (op, region): op is the operator with the largest self CPU time (the first row
    of op_table), region the record_function label with the largest total CPU time, or None
    when the call ran no labelled region. fn is called exactly once; its result is
    discarded.
    """
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn(*args)
    op = op_table(prof)[0][0]
    regions = region_table(prof)
    region = max(regions, key=lambda label: regions[label][1]) if regions else None
    return op, region


def train_step(
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
) -> float:
    """One training step with its phases labelled for the profiler.

    Calls optimizer.zero_grad() first, then runs three regions, in this order, each under
    its own record_function label and each exactly once: "forward" (outputs = model(inputs)
    and loss = loss_fn(outputs, targets)), "backward" (loss.backward()) and "optimizer"
    (optimizer.step()). Returns this batch's loss, before the update, as a Python float.
    """
    optimizer.zero_grad()
    with record_function("forward"):
        loss = loss_fn(model(inputs), targets)
    with record_function("backward"):
        loss.backward()
    with record_function("optimizer"):
        optimizer.step()
    return loss.item()


def profile_steps(
    step_fn: Callable[[], Any], *, wait: int, warmup: int, active: int
) -> list[tuple[str, int, float]]:
    """Profile a loop of steps through a profiler schedule; table the active steps only.

    Calls step_fn() exactly wait + warmup + active times under one torch.profiler.profile
    (CPU activity) driven by torch.profiler.schedule(wait=wait, warmup=warmup,
    active=active, repeat=1), and tells the profiler after each call that a step has ended.
    The first `wait` calls are not recorded; the next `warmup` calls are recorded and
    thrown away (they carry the profiler's start-up cost); the last `active` calls are
    measured. Returns op_table of the active calls only.
    Raises ValueError, before calling step_fn, unless wait >= 0, warmup >= 1 and active >= 1.
    """
    if wait < 0 or warmup < 1 or active < 1:
        raise ValueError(
            f"need wait >= 0, warmup >= 1 and active >= 1; got wait={wait}, "
            f"warmup={warmup}, active={active}"
        )
    plan = schedule(wait=wait, warmup=warmup, active=active, repeat=1)
    with profile(activities=[ProfilerActivity.CPU], schedule=plan) as prof:
        for _ in range(wait + warmup + active):
            step_fn()
            prof.step()  # after the step: the step just run belongs to the current phase
    return op_table(prof)
