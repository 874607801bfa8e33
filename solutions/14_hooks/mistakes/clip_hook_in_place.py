"""Mistake: the hook clamps the gradient in place and returns it, grad.clamp_(-clip, clip).

The gradient a hook receives may be shared: t + z hands one tensor to both t and z, and
y.backward(v) hands the caller's own v. Clamping it in place clips gradients that have no
hook, and rewrites the caller's tensor.
"""

CAUGHT_BY = "the hook clamps grad in place"
REJECTED_BY = "test_hook_leaves_gradients_other_tensors_share_alone"


def clip_grad_hook(t, clip):
    if clip <= 0:
        raise ValueError("clip must be positive")
    if not t.requires_grad:
        raise ValueError("t must require grad")
    return t.register_hook(lambda grad: grad.clamp_(-clip, clip))
