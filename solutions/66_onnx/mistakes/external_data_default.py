"""Mistake: torch.onnx.export with its default external_data=True.

The weights go to a separate "<path>.data" file: copy the .onnx alone to a server and it
no longer loads.
"""

import copy
import inspect

import torch

CAUGHT_BY = "external_data=False"
REJECTED_BY = "test_export_writes_one_valid_self_contained_file"


def export_onnx(model, example, path):
    frozen = copy.deepcopy(model).eval()
    names = list(inspect.signature(model.forward).parameters)
    torch.onnx.export(
        frozen,
        tuple(example),
        path,
        dynamo=True,
        dynamic_shapes={n: {0: torch.export.Dim.DYNAMIC} for n in names},
        verbose=False,
    )
