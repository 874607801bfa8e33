"""Mistake: grad.clamp(max=clip), the upper bound only.

Large negative gradients pass untouched; the hook asked for clamps into [-clip, clip].
"""

CAUGHT_BY = "only the upper bound"
REJECTED_BY = "test_hook_clips_gradient_of_intermediate"


def clip_grad_hook(t, clip):
    if clip <= 0:
        raise ValueError("clip must be positive")
    if not t.requires_grad:
        raise ValueError("t must require grad")
    return t.register_hook(lambda grad: grad.clamp(max=clip))
