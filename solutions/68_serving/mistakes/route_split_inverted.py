"""Mistake: split read as the share of users that go to "a".

route(user, 0.1) then sends 90% of users to the candidate "b", not 10%.
"""

import hashlib

CAUGHT_BY = "fraction of users sent to 'b'"
REJECTED_BY = "test_route_follows_the_sha256_bucket_exactly"


def route(user, split):
    if not 0.0 <= split <= 1.0:
        raise ValueError(f"split must be in [0, 1], got {split}")
    bucket = int.from_bytes(hashlib.sha256(user.encode("utf-8")).digest()[:8], "big") / 2**64
    return "a" if bucket < split else "b"
