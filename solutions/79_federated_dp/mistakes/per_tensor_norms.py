"""Mistake: each tensor of a sample clipped to max_norm on its own.

Every tensor is within the bound but the sample's total norm reaches max_norm times the
square root of the number of tensors: the privacy analysis assumes max_norm.
"""

CAUGHT_BY = "per-tensor norms"
REJECTED_BY = "test_clip_per_sample_equals_a_loop"


def clip_per_sample(grads, max_norm):
    if max_norm <= 0:
        raise ValueError("max_norm must be > 0")
    if not grads or len({g.shape[0] for g in grads.values()}) != 1:
        raise ValueError("bad grads")
    out = {}
    for name, g in grads.items():
        norms = g.flatten(1).norm(dim=1)
        factors = (max_norm / norms).clamp(max=1.0)
        out[name] = g * factors.view(-1, *[1] * (g.dim() - 1))
    return out
