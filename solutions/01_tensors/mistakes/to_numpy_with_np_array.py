"""Mistake: to_numpy() returns np.array(t.detach().cpu()).

np.array copies through torch's __array__, so the array no longer shares t's memory, and
NumPy 2 warns about the copy keyword (an error under this suite).
"""

import numpy as np
import torch

CAUGHT_BY = "np.array(t), which copies"
REJECTED_BY = "test_to_numpy_shares_a_cpu_tensors_memory"


def to_numpy(t):
    t = t.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return np.array(t.cpu())
