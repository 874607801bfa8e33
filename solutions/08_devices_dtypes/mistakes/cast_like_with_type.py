"""Mistake: cast_like() uses x.type(ref.dtype).

.type() converts the dtype only; x stays on its own device.
"""

CAUGHT_BY = ".type() changes only the dtype"


def cast_like(x, ref):
    return x.type(ref.dtype)
