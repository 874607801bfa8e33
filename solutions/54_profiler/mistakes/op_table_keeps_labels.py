"""Mistake: the op table keeps the record_function labels.

A label's self time is the Python between its operators, and torch adds labels of its own
(ProfilerStep*, Optimizer.step#...): they are regions, not operators.
"""

CAUGHT_BY = "labels are not operators"
REJECTED_BY = "test_op_table_matches_the_events_of_the_profile"


def op_table(prof):
    rows = [(avg.key, avg.count, avg.self_cpu_time_total) for avg in prof.key_averages()]
    return sorted(rows, key=lambda row: row[2], reverse=True)
