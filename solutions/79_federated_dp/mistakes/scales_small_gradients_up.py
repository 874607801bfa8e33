"""Mistake: every sample normalised to norm max_norm: the factor is not capped at 1.

Small gradients are scaled up, so every sample pushes as hard as the largest one.
"""

CAUGHT_BY = "scaled up"
REJECTED_BY = "test_clip_per_sample_equals_a_loop"


def clip_per_sample(grads, max_norm):
    if max_norm <= 0:
        raise ValueError("max_norm must be > 0")
    if not grads or len({g.shape[0] for g in grads.values()}) != 1:
        raise ValueError("bad grads")
    norms = sum(g.flatten(1).pow(2).sum(1) for g in grads.values()).sqrt()
    factors = max_norm / norms.clamp(min=1e-12)
    return {n: g * factors.view(-1, *[1] * (g.dim() - 1)) for n, g in grads.items()}
