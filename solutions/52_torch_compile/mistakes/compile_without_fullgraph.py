"""Mistake: torch.compile(model, backend=backend) without fullgraph=True.

A graph break then splits the model silently into several graphs with Python in between,
and nobody notices that the speed-up is gone.
"""

import torch

CAUGHT_BY = "fullgraph=True not passed"


def compile_model(model, backend="inductor"):
    return torch.compile(model, backend=backend)
