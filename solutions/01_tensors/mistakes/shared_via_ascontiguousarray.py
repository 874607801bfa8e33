"""Mistake: shared_from_numpy() makes the array contiguous first, "for torch".

np.ascontiguousarray copies a transposed or sliced array, so the tensor no longer shares
its memory. torch.from_numpy wraps any array with non-negative strides as it is.
"""

import numpy as np
import torch

CAUGHT_BY = "a contiguous copy first"
REJECTED_BY = "test_shared_from_numpy_shares_a_non_contiguous_array"


def shared_from_numpy(array):
    return torch.from_numpy(np.ascontiguousarray(array))
