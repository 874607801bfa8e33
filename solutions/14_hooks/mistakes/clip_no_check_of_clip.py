"""Mistake: no check of clip at all.

A negative clip makes clamp(-clip, clip) an empty interval (torch then returns clip, a
negative value, everywhere); clip = 0 zeroes every gradient. The docstring asks for
ValueError when clip <= 0.
"""

CAUGHT_BY = "no check of clip"
REJECTED_BY = "test_clip_grad_hook_rejects_a_clip_that_is_not_positive"


def clip_grad_hook(t, clip):
    if not t.requires_grad:
        raise ValueError("t must require grad")
    return t.register_hook(lambda grad: grad.clamp(-clip, clip))
