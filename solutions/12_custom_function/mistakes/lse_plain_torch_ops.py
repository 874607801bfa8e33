"""Mistake: logsumexp() computes the stable formula with plain torch ops, not LogSumExp.apply.

The value is right and autograd differentiates the ops itself, but the kata's Function,
its forward and its hand-written backward, is never used: nothing of it is tested.
"""

CAUGHT_BY = "instead of returning LogSumExp.apply(x, dim)"
REJECTED_BY = "test_logsumexp_passes_gradcheck"


def logsumexp(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True).detach()
    return (m + (x - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim)
