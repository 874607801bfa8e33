"""Mistake: building the inputs inside the timed statement.

stmt="fn(*make_args())" times the input construction on every run, which can be more
work than the function being measured.
"""

from torch.utils.benchmark import Timer

CAUGHT_BY = "setup inside the timed statement"
REJECTED_BY = "test_the_inputs_are_built_outside_the_timed_statement"


def time_functions(fns, make_args, *, label, num_threads=1, min_run_time=0.2):
    result = {}
    for name, fn in fns.items():
        timer = Timer(
            stmt="fn(*make_args())",
            globals={"fn": fn, "make_args": make_args},
            label=label,
            sub_label=name,
            num_threads=num_threads,
        )
        result[name] = timer.blocked_autorange(min_run_time=min_run_time)
    return result
