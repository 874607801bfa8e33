"""Mistake: the region table takes every entry of key_averages(), operators included.

Only user annotations (record_function labels) are regions.
"""

CAUGHT_BY = "operators are not labelled regions"
REJECTED_BY = "test_region_table_matches_the_labels_of_the_profile"


def region_table(prof):
    return {avg.key: (avg.count, avg.cpu_time_total) for avg in prof.key_averages()}
