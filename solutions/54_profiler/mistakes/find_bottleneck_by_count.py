"""Mistake: the bottleneck as the operator (and region) that runs most often.

Being called often is not being expensive: a dozen adds on 8 elements cost microseconds,
one large matmul milliseconds.
"""

from torch.profiler import ProfilerActivity, profile

CAUGHT_BY = "ranking by calls"
REJECTED_BY = "test_find_bottleneck_names_the_planted_operator_and_region"


def find_bottleneck(fn, *args):
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn(*args)
    entries = prof.key_averages()
    ops = [e for e in entries if not e.is_user_annotation]
    labels = [e for e in entries if e.is_user_annotation]
    op = max(ops, key=lambda e: e.count).key
    region = max(labels, key=lambda e: e.count).key if labels else None
    return op, region
