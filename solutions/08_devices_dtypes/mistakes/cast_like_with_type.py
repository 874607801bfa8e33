"""Mistake: cast_like() uses x.type(ref.dtype).

.type() converts the dtype only; x stays on its own device.
"""

CAUGHT_BY = ".type() changes only the dtype"
REJECTED_BY = "test_cast_like_follows_refs_device"


def cast_like(x, ref):
    return x.type(ref.dtype)
