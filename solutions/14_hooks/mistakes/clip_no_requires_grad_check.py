"""Mistake: no check of t.requires_grad, leaving it to register_hook.

register_hook raises RuntimeError for a tensor that does not require grad, where the
docstring promises ValueError: a caller catching ValueError misses it.
"""

CAUGHT_BY = "no check of t.requires_grad"
REJECTED_BY = "test_clip_grad_hook_rejects_a_tensor_without_grad"


def clip_grad_hook(t, clip):
    if clip <= 0:
        raise ValueError("clip must be positive")
    return t.register_hook(lambda grad: grad.clamp(-clip, clip))
