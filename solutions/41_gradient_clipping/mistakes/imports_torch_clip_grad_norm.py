"""Mistake: importing torch's clip_grad_norm_ by name and calling it instead of writing it.

The same wrong answer as calling torch.nn.utils.clip_grad_norm_, in the form that keeps
its own reference to torch's function: the kata's rule must still catch it.
"""

from torch.nn.utils import clip_grad_norm_

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_clip_grad_norm_matches_torch"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    return clip_grad_norm_(parameters, max_norm, norm_type)
