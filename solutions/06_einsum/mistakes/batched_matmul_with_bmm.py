"""Mistake: batched_matmul() calls torch.bmm (and einsum only to copy the result)."""

import torch

CAUGHT_BY = "einsum only"


def batched_matmul(a, b):
    return torch.einsum("bij->bij", torch.bmm(a, b))
