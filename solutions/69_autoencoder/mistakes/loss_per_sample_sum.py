"""Mistake: squared errors summed over features, then averaged over the batch.

A common convention, but not the documented one: it is D times the mean over every
element, so the loss scale (and SGD's effective learning rate) depends on the width.
"""

CAUGHT_BY = "per-sample sum"
REJECTED_BY = "test_loss_is_the_mean_over_every_element"


def reconstruction_loss(reconstruction, target):
    if reconstruction.shape != target.shape:
        raise ValueError("shapes differ")
    return (reconstruction - target).pow(2).sum(dim=1).mean()
