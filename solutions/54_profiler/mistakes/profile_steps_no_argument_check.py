"""Mistake: no check of wait, warmup and active.

With warmup=0 torch only warns that the results are skewed; with active=0 it fails with an
AssertionError deep inside the profiler. A ValueError up front says what to fix.
"""

from torch.profiler import ProfilerActivity, profile, schedule

from torchkatas.harness import solution_for

CAUGHT_BY = "no check of the arguments"
REJECTED_BY = "test_profile_steps_rejects_a_schedule_without_warmup_or_active_steps"

solution = solution_for(__file__)


def profile_steps(step_fn, *, wait, warmup, active):
    plan = schedule(wait=wait, warmup=warmup, active=active, repeat=1)
    with profile(activities=[ProfilerActivity.CPU], schedule=plan) as prof:
        for _ in range(wait + warmup + active):
            step_fn()
            prof.step()
    return solution.op_table(prof)
