"""Mistake: NCCL whenever torch.cuda.is_available(), however many ranks share the node.

With fewer GPUs than ranks on a node, some ranks get a cuda:LOCAL_RANK that does not
exist (or two ranks share one GPU, which NCCL refuses).
"""

import torch

CAUGHT_BY = "nccl whenever there is a GPU"
REJECTED_BY = "test_chooses_this_nodes_gpu_and_backend_from_the_local_variables"


def choose_device_and_backend(env):
    if torch.cuda.is_available():
        return torch.device("cuda", int(env["LOCAL_RANK"])), "nccl"
    return torch.device("cpu"), "gloo"
