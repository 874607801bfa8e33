"""Mistake: the bucket computed from Python's hash(user).

hash() of a str is salted per process (PYTHONHASHSEED): each restart, and each worker of
a multi-process server, would send a user to a different version.
"""

CAUGHT_BY = "salted per process"
REJECTED_BY = "test_route_follows_the_sha256_bucket_exactly"


def route(user, split):
    if not 0.0 <= split <= 1.0:
        raise ValueError(f"split must be in [0, 1], got {split}")
    bucket = (hash(user) % 2**64) / 2**64
    return "b" if bucket < split else "a"
