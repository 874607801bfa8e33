"""Mistake: copied_from_numpy() copies with torch.tensor(array.tolist(), device=device).

tolist() gives Python floats and ints, and torch infers float32 and int64 from them: a
float64 array loses precision, an int32 array grows to int64.
"""

import torch

CAUGHT_BY = "round trip through array.tolist()"
REJECTED_BY = "test_copied_from_numpy_is_independent"


def copied_from_numpy(array, device):
    return torch.tensor(array.tolist(), device=device)
