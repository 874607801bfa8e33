"""Mistake: cast_like() writes x.type(ref.dtype).to(ref.device).

The result is right, but it converts twice: .type() makes a full copy in the new dtype, and
.to() then copies that again to the device. x.to(ref) does both in one copy.
"""

CAUGHT_BY = "not .type() followed by .to()"
REJECTED_BY = "test_cast_like_converts_once"


def cast_like(x, ref):
    return x.type(ref.dtype).to(ref.device)
