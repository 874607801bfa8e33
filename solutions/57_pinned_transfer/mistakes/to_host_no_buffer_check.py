"""Mistake: no check of the buffer.

A pageable buffer makes the "non-blocking" copy synchronous; another shape or dtype fails
deep inside copy_ or converts silently.
"""

CAUGHT_BY = "no check of out"
REJECTED_BY = "test_to_host_refuses_a_buffer_that_does_not_fit"


def to_host(x, out, ops=None):
    if x.device.type == "cpu":
        return out.copy_(x)
    stream = ops.current_stream(x.device)
    ops.copy_into(out, x, non_blocking=True)
    done = ops.new_event()
    done.record(stream)
    done.synchronize()
    return out
