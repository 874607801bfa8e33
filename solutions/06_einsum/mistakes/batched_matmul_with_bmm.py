"""Mistake: batched_matmul() calls torch.bmm (and einsum only to copy the result)."""

import torch

CAUGHT_BY = "einsum only"
REJECTED_BY = "test_batched_matmul_equals_bmm"


def batched_matmul(a, b):
    return torch.einsum("bij->bij", torch.bmm(a, b))
