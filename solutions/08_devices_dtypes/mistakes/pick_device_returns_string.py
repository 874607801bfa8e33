"""Mistake: pick_device() returns the string "cuda" / "mps" / "cpu" instead of a torch.device.

Strings work in .to("cuda"), but torch.device("cuda") != "cuda", and code that reads
.type or .index from the result breaks.
"""

import torch

CAUGHT_BY = "expected a torch.device"
REJECTED_BY = "test_pick_device_prefers_cuda_then_mps_then_cpu"


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"
