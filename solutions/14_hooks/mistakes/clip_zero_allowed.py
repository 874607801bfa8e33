"""Mistake: rejecting clip < 0 only, so clip = 0 is accepted.

clamp(-0, 0) zeroes every gradient that passes: the docstring asks for ValueError when
clip <= 0.
"""

CAUGHT_BY = "clip < 0 instead of clip <= 0"
REJECTED_BY = "test_clip_grad_hook_rejects_a_clip_that_is_not_positive"


def clip_grad_hook(t, clip):
    if clip < 0:
        raise ValueError("clip must not be negative")
    if not t.requires_grad:
        raise ValueError("t must require grad")
    return t.register_hook(lambda grad: grad.clamp(-clip, clip))
