"""Mistake: cast_like() passes copy=True "to be safe", so x is never returned as is.

.to() returns x itself when dtype and device already match; forcing a copy then spends memory
and time on nothing (x is not changed either way: .to never writes into it).
"""

CAUGHT_BY = "a copy although nothing needed converting"
REJECTED_BY = "test_cast_like_returns_x_itself_when_nothing_changes"


def cast_like(x, ref):
    return x.to(device=ref.device, dtype=ref.dtype, copy=True)
