"""Mistake: torch.compile(model, backend=backend) without fullgraph=True.

A graph break then splits the model silently into several graphs with Python in between,
and nobody notices that the speed-up is gone.
"""

import torch

CAUGHT_BY = "fullgraph=True not passed"
REJECTED_BY = "test_compile_model_turns_a_graph_break_into_an_error"


def compile_model(model, backend="inductor"):
    return torch.compile(model, backend=backend)
