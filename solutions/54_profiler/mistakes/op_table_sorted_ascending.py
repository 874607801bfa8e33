"""Mistake: the op table sorted cheapest first (reverse=True forgotten).

The first row is then the cheapest operator, and anything reading row 0 as the
bottleneck names the wrong one.
"""

CAUGHT_BY = "sorted ascending"
REJECTED_BY = "test_op_table_matches_the_events_of_the_profile"


def op_table(prof):
    rows = [
        (avg.key, avg.count, avg.self_cpu_time_total)
        for avg in prof.key_averages()
        if not avg.is_user_annotation
    ]
    return sorted(rows, key=lambda row: row[2])
