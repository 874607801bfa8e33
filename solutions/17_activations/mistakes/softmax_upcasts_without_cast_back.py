"""Mistake: softmax computed in float32 for precision, x.float(), and never cast back.

Upcasting half-precision logits is good practice, but the result must come back in x's
dtype: a float16 model now gets float32 probabilities (and a float64 caller float32 ones).
"""

import torch

CAUGHT_BY = "cast back after computing in float32"
REJECTED_BY = "test_half_precision_inputs_keep_their_dtype"


def softmax(x, dim=-1):
    x = x.float()  # exp in float16 overflows at 11
    e = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)
