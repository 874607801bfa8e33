"""Mistake: telling operators from labels by the name prefix "aten::".

Autograd's entries (autograd::engine::evaluate_function: ..., AddmmBackward0) and custom
operators are operators too; is_user_annotation is the field that says what a label is.
"""

CAUGHT_BY = "start with 'aten::'"
REJECTED_BY = "test_op_table_matches_the_events_of_the_profile"


def op_table(prof):
    rows = [
        (avg.key, avg.count, avg.self_cpu_time_total)
        for avg in prof.key_averages()
        if avg.key.startswith("aten::")
    ]
    return sorted(rows, key=lambda row: row[2], reverse=True)
