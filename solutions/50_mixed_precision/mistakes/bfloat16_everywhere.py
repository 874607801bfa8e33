"""Mistake: the dtype chosen without looking at the device (bfloat16 for every device).

The kata's rule is float16 on CUDA (which needs the scaler) and bfloat16 on the CPU; a
function that ignores its argument is right only on one of them.
"""

import torch

CAUGHT_BY = "float16 on CUDA"
REJECTED_BY = "test_autocast_dtype_is_bfloat16_on_cpu_and_float16_on_cuda"


def autocast_dtype(device):
    return torch.bfloat16
