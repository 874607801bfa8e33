"""Mistake: only the first argument gets a dynamic batch dimension.

The other inputs keep the example's batch size, and since tokens and mask must agree,
torch.export specialises the batch back to 3 for both.
"""

import copy
import inspect

import torch

CAUGHT_BY = "for every input"
REJECTED_BY = "test_every_input_gets_a_dynamic_batch"


def export_onnx(model, example, path):
    frozen = copy.deepcopy(model).eval()
    names = list(inspect.signature(model.forward).parameters)
    dynamic_shapes = {
        n: ({0: torch.export.Dim.DYNAMIC} if i == 0 else None) for i, n in enumerate(names)
    }
    torch.onnx.export(
        frozen,
        tuple(example),
        path,
        dynamo=True,
        dynamic_shapes=dynamic_shapes,
        external_data=False,
        verbose=False,
    )
