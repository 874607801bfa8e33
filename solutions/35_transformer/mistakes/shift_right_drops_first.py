"""Mistake: BOS followed by tgt[:, 1:]: the first target token is dropped instead of the last.

The decoder input must be BOS, tgt[:, 0], ..., tgt[:, T-2]; this one is off by one and
never shows the decoder the first token.
"""

import torch

CAUGHT_BY = "drops the first token"
REJECTED_BY = "test_shift_right_puts_bos_first_and_drops_the_last_token"


def shift_right(tgt, bos_idx):
    bos = torch.full_like(tgt[:, :1], bos_idx)
    return torch.cat([bos, tgt[:, 1:]], dim=1)
