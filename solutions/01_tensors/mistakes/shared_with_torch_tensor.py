"""Mistake: shared_from_numpy() uses torch.tensor(array), which copies.

Writes to the NumPy array no longer reach the tensor: torch.from_numpy shares the memory.
"""

import torch

CAUGHT_BY = "did not show through"
REJECTED_BY = "test_shared_from_numpy_shares_memory"


def shared_from_numpy(array):
    return torch.tensor(array)
