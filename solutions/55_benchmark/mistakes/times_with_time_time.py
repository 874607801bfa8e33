"""Mistake: timing each function once with time.time().

One run measures noise (a cold cache, a context switch) with a coarse clock, never
synchronises CUDA, and gives no spread; Timer.blocked_autorange does all three.
"""

import time

CAUGHT_BY = "time.time()"
REJECTED_BY = "test_time_functions_returns_labelled_measurements"


def time_functions(fns, make_args, *, label, num_threads=1, min_run_time=0.2):
    args = make_args()
    result = {}
    for name, fn in fns.items():
        start = time.time()
        fn(*args)
        result[name] = time.time() - start
    return result
