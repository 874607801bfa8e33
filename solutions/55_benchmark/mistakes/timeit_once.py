"""Mistake: Timer(...).timeit(1), a single run.

One run says nothing about the spread and is dominated by noise; blocked_autorange keeps
measuring blocks of runs for min_run_time seconds.
"""

from torch.utils.benchmark import Timer

CAUGHT_BY = "Timer.timeit(1)"
REJECTED_BY = "test_time_functions_measures_for_at_least_min_run_time"


def time_functions(fns, make_args, *, label, num_threads=1, min_run_time=0.2):
    args = make_args()
    result = {}
    for name, fn in fns.items():
        timer = Timer(
            stmt="fn(*args)",
            globals={"fn": fn, "args": args},
            label=label,
            sub_label=name,
            num_threads=num_threads,
        )
        result[name] = timer.timeit(1)
    return result
