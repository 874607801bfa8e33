"""Mistake: the rank's GPU is cuda:RANK, not cuda:LOCAL_RANK.

RANK counts the ranks of every node; on the second of two one-GPU machines it is 1, but
that machine has only cuda:0.
"""

import torch

CAUGHT_BY = "the device index is RANK"
REJECTED_BY = "test_chooses_this_nodes_gpu_and_backend_from_the_local_variables"


def choose_device_and_backend(env):
    if torch.cuda.device_count() >= int(env["LOCAL_WORLD_SIZE"]):
        return torch.device("cuda", int(env["RANK"])), "nccl"
    return torch.device("cpu"), "gloo"
