"""Mistake: init_weights initializes every module that has a weight of 2 or more dimensions.

That catches Linear and Conv layers, but also Embedding, ConvTranspose and Bilinear, which
the docstring says are left exactly as they are (their fans differ, or they need another init).
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "by their weight's shape"
REJECTED_BY = "test_init_weights_leaves_every_other_module_alone"


def init_weights(module):
    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor) and weight.dim() >= 2:
        solution.kaiming_normal_(weight)
        bias = getattr(module, "bias", None)
        if isinstance(bias, torch.Tensor):
            with torch.no_grad():
                bias.zero_()
