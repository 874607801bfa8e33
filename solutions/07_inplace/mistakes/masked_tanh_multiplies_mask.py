"""Mistake: masked_tanh() returns torch.tanh(x) * (~mask).float().

Out of place and the gradient is 0 where masked, but multiplying is not replacing: a nan or
inf under the mask stays nan (nan * 0), and the float32 mask promotes a float16 x.
"""

import torch

CAUGHT_BY = "keeps x's dtype"
REJECTED_BY = "test_masked_tanh_leaves_inputs_alone_and_keeps_dtype"


def masked_tanh(x, mask):
    return torch.tanh(x) * (~mask).float()
