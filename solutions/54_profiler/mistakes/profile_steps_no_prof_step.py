"""Mistake: a schedule, but prof.step() never called.

The schedule advances only on prof.step(): the profiler stays in its first phase (wait, or
warm-up) and records nothing.
"""

from torch.profiler import ProfilerActivity, profile, schedule

from torchkatas.harness import solution_for

CAUGHT_BY = "prof.step() never called"
REJECTED_BY = "test_profile_steps_measures_only_the_active_calls"

solution = solution_for(__file__)


def profile_steps(step_fn, *, wait, warmup, active):
    if wait < 0 or warmup < 1 or active < 1:
        raise ValueError("need wait >= 0, warmup >= 1 and active >= 1")
    plan = schedule(wait=wait, warmup=warmup, active=active, repeat=1)
    with profile(activities=[ProfilerActivity.CPU], schedule=plan) as prof:
        for _ in range(wait + warmup + active):
            step_fn()
    return solution.op_table(prof)
