"""Mistake: to_numpy() calls t.detach().contiguous() first, "NumPy wants contiguous memory".

contiguous() copies a transposed or sliced tensor, so the array no longer shares t's
memory; .numpy() wraps any strided CPU tensor as it is.
"""

import torch

CAUGHT_BY = "the result is a copy"
REJECTED_BY = "test_to_numpy_shares_a_cpu_tensors_memory"


def to_numpy(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.cpu().numpy()
