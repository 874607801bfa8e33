"""Mistake: cast_like() moves first and casts after: x.to(ref.device).to(ref.dtype).

Two copies where one does: a float64 x even crosses to the GPU at twice the bytes it needs.
"""

CAUGHT_BY = "converts twice: .to(device) then .to(dtype)"
REJECTED_BY = "test_cast_like_converts_once"


def cast_like(x, ref):
    return x.to(ref.device).to(ref.dtype)
