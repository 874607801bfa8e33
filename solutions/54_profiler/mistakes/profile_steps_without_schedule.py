"""Mistake: every step profiled, no schedule.

The wait and warm-up steps are in the table, with the profiler's start-up cost: the
numbers are not those of the steady state.
"""

from torch.profiler import ProfilerActivity, profile

from torchkatas.harness import solution_for

CAUGHT_BY = "profiling every call"
REJECTED_BY = "test_profile_steps_measures_only_the_active_calls"

solution = solution_for(__file__)


def profile_steps(step_fn, *, wait, warmup, active):
    if wait < 0 or warmup < 1 or active < 1:
        raise ValueError("need wait >= 0, warmup >= 1 and active >= 1")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(wait + warmup + active):
            step_fn()
            prof.step()
    return solution.op_table(prof)
