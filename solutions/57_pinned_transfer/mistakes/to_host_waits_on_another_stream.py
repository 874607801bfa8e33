"""Mistake: the event recorded on a fresh stream instead of the copy's stream.

An event marks a point in one stream: on an idle stream it is reached at once, and waiting
for it waits for nothing.
"""

CAUGHT_BY = "synchronising the wrong stream"
REJECTED_BY = "test_to_host_waits_for_the_copy_before_returning"


def to_host(x, out, ops=None):
    if out.device.type != "cpu" or out.shape != x.shape or out.dtype != x.dtype:
        raise ValueError("out does not fit x")
    if x.device.type == "cpu":
        return out.copy_(x)
    if not ops.is_pinned(out):
        raise ValueError("out must be pinned")
    ops.copy_into(out, x, non_blocking=True)
    done = ops.new_event()
    done.record(ops.new_stream(x.device))
    done.synchronize()
    return out
