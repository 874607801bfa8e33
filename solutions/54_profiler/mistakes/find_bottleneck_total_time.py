"""Mistake: the most expensive operator picked by total CPU time.

aten::matmul calls aten::mm: its total contains all the work, so by total time the wrapper
wins; self time points at the operator that did the work.
"""

from torch.profiler import ProfilerActivity, profile

from torchkatas.harness import solution_for

CAUGHT_BY = "ranking by total CPU time"
REJECTED_BY = "test_find_bottleneck_names_the_planted_operator_and_region"

solution = solution_for(__file__)


def find_bottleneck(fn, *args):
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn(*args)
    ops = [e for e in prof.key_averages() if not e.is_user_annotation]
    op = max(ops, key=lambda e: e.cpu_time_total).key
    regions = solution.region_table(prof)
    region = max(regions, key=lambda label: regions[label][1]) if regions else None
    return op, region
