"""Mistake: cast_like() writes x.to(ref.device): it moves x but keeps x's dtype."""

CAUGHT_BY = "moves but keeps x's dtype"
REJECTED_BY = "test_cast_like_follows_refs_device"


def cast_like(x, ref):
    return x.to(ref.device)
