"""Mistake: NCCL only when torch.cuda.device_count() >= WORLD_SIZE.

WORLD_SIZE counts the ranks of every node, but each node only needs a GPU for each of its
own ranks: two one-GPU machines fall back to gloo for no reason.
"""

import torch

CAUGHT_BY = "choosing nccl by WORLD_SIZE"
REJECTED_BY = "test_chooses_this_nodes_gpu_and_backend_from_the_local_variables"


def choose_device_and_backend(env):
    if torch.cuda.device_count() >= int(env["WORLD_SIZE"]):
        return torch.device("cuda", int(env["LOCAL_RANK"])), "nccl"
    return torch.device("cpu"), "gloo"
