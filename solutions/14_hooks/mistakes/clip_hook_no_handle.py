"""Mistake: registering the hook and returning nothing.

Without the RemovableHandle the caller can never remove the hook: it clips for the
tensor's whole life.
"""

CAUGHT_BY = "RemovableHandle"
REJECTED_BY = "test_hook_clips_gradient_of_intermediate"


def clip_grad_hook(t, clip):
    if clip <= 0:
        raise ValueError("clip must be positive")
    if not t.requires_grad:
        raise ValueError("t must require grad")
    t.register_hook(lambda grad: grad.clamp(-clip, clip))
