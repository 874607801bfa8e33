"""Mistake: from_list() calls torch.tensor(data) and ignores device.

The tensor lands on the default device (the CPU): right on a laptop, wrong on any other
device asked for.
"""

import torch

CAUGHT_BY = "device= left out"
REJECTED_BY = "test_from_list_puts_the_tensor_on_the_device_asked_for"


def from_list(data, device):
    return torch.tensor(data)
