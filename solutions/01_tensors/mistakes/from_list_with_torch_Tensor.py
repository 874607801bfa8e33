"""Mistake: from_list() builds the tensor with torch.Tensor(data) (capital T).

torch.Tensor is the class: it always makes the default float dtype, so ints and bools
become float32. torch.tensor (lower case) infers the dtype from the data.
"""

import torch

CAUGHT_BY = "always makes float32"
REJECTED_BY = "test_from_list_infers_dtype_and_keeps_values"


def from_list(data, device):
    return torch.Tensor(data).to(device)
