"""Mistake: shift_right as tgt.roll(1, dims=1), without putting BOS in column 0.

roll wraps the last token around to the front: the decoder's first input is the end of
the answer instead of BOS.
"""

CAUGHT_BY = "without BOS"
REJECTED_BY = "test_shift_right_puts_bos_first_and_drops_the_last_token"


def shift_right(tgt, bos_idx):
    return tgt.roll(1, dims=1)
