"""Mistake: fan_in = weight.shape[1] and fan_out = weight.shape[0], even for convolutions.

Right for a Linear, but a conv output reads in_channels * kernel-size inputs: the kernel's
receptive field is missing, and every conv layer starts far too large.
"""

CAUGHT_BY = "receptive field"
REJECTED_BY = "test_fans_match_torch"


def fan_in_and_fan_out(weight):
    if weight.dim() < 2:
        raise ValueError("need at least 2 dimensions")
    return weight.shape[1], weight.shape[0]
