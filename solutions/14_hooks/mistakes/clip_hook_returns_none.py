"""Mistake: a tensor hook that computes the clamped gradient but does not return it.

A hook replaces the gradient only through its return value; returning None keeps the
original gradient.
"""

CAUGHT_BY = "returns None changes nothing"
REJECTED_BY = "test_hook_clips_gradient_of_intermediate"


def clip_grad_hook(t, clip):
    if clip <= 0:
        raise ValueError("clip must be positive")
    if not t.requires_grad:
        raise ValueError("t must require grad")

    def hook(grad):
        grad = grad.clamp(-clip, clip)

    return t.register_hook(hook)
