"""Mistake: the per-sample gradients scaled in place with mul_.

The caller's tensors change under them: a second clipping bound, or logging the raw
norms, then reads clipped values.
"""

CAUGHT_BY = "scaled in place"
REJECTED_BY = "test_clip_leaves_its_input_alone_and_returns_new_tensors"


def clip_per_sample(grads, max_norm):
    if max_norm <= 0:
        raise ValueError("max_norm must be > 0")
    if not grads or len({g.shape[0] for g in grads.values()}) != 1:
        raise ValueError("bad grads")
    norms = sum(g.flatten(1).pow(2).sum(1) for g in grads.values()).sqrt()
    factors = (max_norm / norms).clamp(max=1.0)
    for g in grads.values():
        g.mul_(factors.view(-1, *[1] * (g.dim() - 1)))
    return dict(grads)
