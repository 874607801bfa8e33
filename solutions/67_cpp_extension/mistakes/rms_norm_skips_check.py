"""Mistake: rms_norm calls the op without check_inputs.

Bad inputs then fail inside the dispatcher or the kernel (an AttributeError when the op
is not loaded, a RuntimeError about dispatch keys for CUDA tensors) instead of with the
clear TypeError or ValueError that check_inputs gives.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "must call check_inputs"
REJECTED_BY = "test_rms_norm_checks_its_inputs_before_calling_the_op"

solution = solution_for(__file__)


def rms_norm(x, weight, eps=1e-6):
    return solution.RMSNormFunction.apply(x, weight, eps, torch.ops.kata67.rms_norm)
