"""Mistake: the copy issued on a new side stream that does not wait for x's stream.

Streams run independently: the copy may read x before the kernels that compute it have
run. side.wait_stream(current) would order it; here nothing does.
"""

CAUGHT_BY = "does not wait for x's stream"
REJECTED_BY = "test_to_host_waits_for_the_copy_before_returning"


def to_host(x, out, ops=None):
    if out.device.type != "cpu" or out.shape != x.shape or out.dtype != x.dtype:
        raise ValueError("out does not fit x")
    if x.device.type == "cpu":
        return out.copy_(x)
    if not ops.is_pinned(out):
        raise ValueError("out must be pinned")
    side = ops.new_stream(x.device)
    with ops.use(side):
        ops.copy_into(out, x, non_blocking=True)
        done = ops.new_event()
        done.record(side)
    done.synchronize()
    return out
