"""Mistake: compiling a deep copy of the model "to keep the original safe".

The compiled module then has its own parameters: training it does not train the model.
"""

import copy

import torch

CAUGHT_BY = "compiling a copy"
REJECTED_BY = "test_compile_model_wraps_the_same_module"


def compile_model(model, backend="inductor"):
    return torch.compile(copy.deepcopy(model), backend=backend, fullgraph=True)
