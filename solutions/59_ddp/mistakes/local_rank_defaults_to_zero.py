"""Mistake: env.get("LOCAL_RANK", 0) and env.get("LOCAL_WORLD_SIZE", 1) defaults.

A plain `python ddp.py` then passes for a torchrun rank and fails later, far from the
cause, instead of saying at once to start the script with torchrun (ValueError).
"""

import torch

CAUGHT_BY = "but it returned"
REJECTED_BY = "test_raises_value_error_outside_torchrun"


def choose_device_and_backend(env):
    local_rank = int(env.get("LOCAL_RANK", 0))
    if torch.cuda.device_count() >= int(env.get("LOCAL_WORLD_SIZE", 1)):
        return torch.device("cuda", local_rank), "nccl"
    return torch.device("cpu"), "gloo"
