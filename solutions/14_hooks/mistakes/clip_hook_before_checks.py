"""Mistake: registering the hook first and checking the arguments afterwards.

The ValueError comes, but the hook with the bad clip stays on t: the caller cannot remove
it, since the handle was never returned.
"""

CAUGHT_BY = "left a hook on t"
REJECTED_BY = "test_clip_grad_hook_rejects_a_clip_that_is_not_positive"


def clip_grad_hook(t, clip):
    handle = t.register_hook(lambda grad: grad.clamp(-clip, clip))
    if clip <= 0:
        raise ValueError("clip must be positive")
    return handle
