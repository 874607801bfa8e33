"""Mistake: relu as torch.where(x > 0, x, torch.zeros(x.shape)).

torch.zeros without dtype= (or device=) is float32 on the CPU: a float16 or bfloat16 input
comes back as float32, and a CUDA input fails (the zeros live on the CPU).
"""

import torch

CAUGHT_BY = "a tensor made without dtype="
REJECTED_BY = "test_half_precision_inputs_keep_their_dtype"


def relu(x):
    return torch.where(x > 0, x, torch.zeros(x.shape))
