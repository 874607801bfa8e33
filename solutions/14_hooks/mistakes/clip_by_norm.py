"""Mistake: scaling the whole gradient to norm clip instead of clamping each element.

That is clip_grad_norm_'s rule; the hook asked for is elementwise clamping (clip by value).
"""

CAUGHT_BY = "clipped by norm"
REJECTED_BY = "test_hook_clips_gradient_of_intermediate"


def clip_grad_hook(t, clip):
    if clip <= 0:
        raise ValueError("clip must be positive")
    if not t.requires_grad:
        raise ValueError("t must require grad")
    return t.register_hook(lambda grad: grad * min(1.0, clip / float(grad.norm())))
