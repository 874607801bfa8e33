"""Mistake: the op table uses FunctionEventAvg.cpu_time, the average time per call.

cpu_time is cpu_time_total / count: an operator called a thousand times for a millisecond
each looks cheaper than one called once for two; the table wants the self time summed.
"""

CAUGHT_BY = "average total time per call"
REJECTED_BY = "test_op_table_matches_the_events_of_the_profile"


def op_table(prof):
    rows = [
        (avg.key, avg.count, avg.cpu_time)
        for avg in prof.key_averages()
        if not avg.is_user_annotation
    ]
    return sorted(rows, key=lambda row: row[2], reverse=True)
