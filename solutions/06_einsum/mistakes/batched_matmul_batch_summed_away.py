"""Mistake: batched_matmul() writes 'bik,bkj->ij', leaving the batch letter out of the output.

A letter missing from the output is summed: the B products are added into one (I, J) matrix.
"""

import torch

CAUGHT_BY = "the batch letter is missing from the output"
REJECTED_BY = "test_batched_matmul_equals_bmm"


def batched_matmul(a, b):
    return torch.einsum("bik,bkj->ij", a, b)
