"""Mistake: take_rows() indexes with idx.long(), turning a bool mask into row numbers.

A mask of True/False becomes the indices 1/0: N rows, each row 0 or row 1 of t.
"""

CAUGHT_BY = "row numbers 0 and 1"
REJECTED_BY = "test_take_rows_with_a_mask_copies_the_true_rows"


def take_rows(t, idx):
    return t[idx.long()]
