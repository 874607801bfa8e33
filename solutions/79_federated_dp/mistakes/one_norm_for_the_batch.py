"""Mistake: one norm over the whole batch of per-sample gradients, one factor for all.

That clips the batch, not the samples: one sample with a huge gradient still dominates
the sum, which is exactly what DP-SGD's clipping must prevent.
"""

CAUGHT_BY = "clipping the batch gradient instead of each sample's"
REJECTED_BY = "test_clip_per_sample_equals_a_loop"


def clip_per_sample(grads, max_norm):
    if max_norm <= 0:
        raise ValueError("max_norm must be > 0")
    if not grads or len({g.shape[0] for g in grads.values()}) != 1:
        raise ValueError("bad grads")
    total = sum(g.pow(2).sum() for g in grads.values()).sqrt()
    factor = (max_norm / total).clamp(max=1.0)
    return {name: g * factor for name, g in grads.items()}
