"""Mistake: reading os.environ instead of the env it was given.

main passes os.environ, so this works under torchrun, but the function no longer answers
for the environment it is asked about (a test, a launcher preparing a rank's variables).
"""

import os

import torch

CAUGHT_BY = "reading os.environ instead of the env"
REJECTED_BY = "test_chooses_this_nodes_gpu_and_backend_from_the_local_variables"


def choose_device_and_backend(env):
    env = os.environ
    if torch.cuda.device_count() >= int(env["LOCAL_WORLD_SIZE"]):
        return torch.device("cuda", int(env["LOCAL_RANK"])), "nccl"
    return torch.device("cpu"), "gloo"
