"""Mistake: the op table reports and sorts by total CPU time (cpu_time_total).

An operator's total includes the operators it calls: aten::matmul only wraps aten::mm, yet
its total is as large, so the table points at wrappers instead of the work.
"""

CAUGHT_BY = "TOTAL CPU time"
REJECTED_BY = "test_op_table_matches_the_events_of_the_profile"


def op_table(prof):
    rows = [
        (avg.key, avg.count, avg.cpu_time_total)
        for avg in prof.key_averages()
        if not avg.is_user_annotation
    ]
    return sorted(rows, key=lambda row: row[2], reverse=True)
