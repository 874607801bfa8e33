"""Mistake: a region's cost read from its self CPU time.

A label's self time is only the Python between its operators; everything the region does
is in its total time (cpu_time_total).
"""

CAUGHT_BY = "leaves out the operators inside"
REJECTED_BY = "test_region_table_matches_the_labels_of_the_profile"


def region_table(prof):
    return {
        avg.key: (avg.count, avg.self_cpu_time_total)
        for avg in prof.key_averages()
        if avg.is_user_annotation
    }
