"""Mistake: running gradcheck on the inputs' own dtype, float32 included.

Finite differences in float32 are too coarse (eps 1e-6 is below float32 resolution near
1): gradcheck warns and fails even a correct backward.
"""

import torch

CAUGHT_BY = "gradcheck in float32"
REJECTED_BY = "test_correct_backward_passes"


def backward_is_correct(fn, *inputs):
    copies = tuple(x.detach().clone().requires_grad_(True) for x in inputs)
    return torch.autograd.gradcheck(
        fn, copies, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False
    )
