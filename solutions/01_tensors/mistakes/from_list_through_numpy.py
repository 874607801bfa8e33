"""Mistake: from_list() goes through NumPy: torch.from_numpy(np.array(data)).to(device).

NumPy infers float64 for Python floats, and from_numpy keeps it; torch.tensor(data) gives
the default float dtype, float32.
"""

import numpy as np
import torch

CAUGHT_BY = "NumPy infers float64"
REJECTED_BY = "test_from_list_infers_dtype_and_keeps_values"


def from_list(data, device):
    return torch.from_numpy(np.array(data)).to(device)
