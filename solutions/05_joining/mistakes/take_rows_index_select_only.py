"""Mistake: take_rows() always calls t.index_select(0, idx).

index_select takes integer row numbers only; a bool mask raises.
"""

CAUGHT_BY = "wants integer row numbers"
REJECTED_BY = "test_take_rows_with_a_mask_copies_the_true_rows"


def take_rows(t, idx):
    return t.index_select(0, idx)
