"""Mistake: torch.set_num_threads(num_threads) instead of Timer(num_threads=...).

The setting leaks into everything after the call, and the Measurements record Timer's
default of one thread, which is not what ran.
"""

import torch
from torch.utils.benchmark import Timer

CAUGHT_BY = "torch.set_num_threads(num_threads) by hand"
REJECTED_BY = "test_time_functions_uses_the_given_threads_and_restores_torchs"


def time_functions(fns, make_args, *, label, num_threads=1, min_run_time=0.2):
    torch.set_num_threads(num_threads)
    args = make_args()
    result = {}
    for name, fn in fns.items():
        timer = Timer(
            stmt="fn(*args)", globals={"fn": fn, "args": args}, label=label, sub_label=name
        )
        result[name] = timer.blocked_autorange(min_run_time=min_run_time)
    return result
