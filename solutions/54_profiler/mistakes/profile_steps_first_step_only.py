"""Mistake: profiling the first step only, then running the rest unprofiled.

The first step is the one with one-time costs (allocations, the profiler starting up): it
is the least typical step of the loop.
"""

from torch.profiler import ProfilerActivity, profile

from torchkatas.harness import solution_for

CAUGHT_BY = "profiling only the first (warm-up) step"
REJECTED_BY = "test_profile_steps_measures_only_the_active_calls"

solution = solution_for(__file__)


def profile_steps(step_fn, *, wait, warmup, active):
    if wait < 0 or warmup < 1 or active < 1:
        raise ValueError("need wait >= 0, warmup >= 1 and active >= 1")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step_fn()
    for _ in range(wait + warmup + active - 1):
        step_fn()
    return solution.op_table(prof)
