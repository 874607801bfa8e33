"""Mistake: copied_from_numpy() uses torch.from_numpy(array).to(device).

On CUDA .to() copies, but on CPU .to(cpu) returns the same tensor, which still shares the
array's memory: a later write to the array changes the "copy".
"""

import torch

CAUGHT_BY = "shares memory with array"
REJECTED_BY = "test_copied_from_numpy_is_independent"


def copied_from_numpy(array, device):
    return torch.from_numpy(array).to(device)
