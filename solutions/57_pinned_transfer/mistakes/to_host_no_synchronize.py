"""Mistake: returning the buffer of a non-blocking copy without waiting for it.

The copy is only queued: until it runs, out holds the previous step's values.
"""

CAUGHT_BY = "reading the result before synchronising"
REJECTED_BY = "test_to_host_waits_for_the_copy_before_returning"


def to_host(x, out, ops=None):
    if out.device.type != "cpu" or out.shape != x.shape or out.dtype != x.dtype:
        raise ValueError("out does not fit x")
    if x.device.type == "cpu":
        return out.copy_(x)
    if not ops.is_pinned(out):
        raise ValueError("out must be pinned")
    ops.copy_into(out, x, non_blocking=True)
    return out
