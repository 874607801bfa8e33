"""Mistake: calling model.eval() on the caller's model before export and leaving it so.

The caller, in the middle of training, gets its model back in eval mode: dropout off and
BatchNorm frozen for the rest of training.
"""

import inspect

import torch

CAUGHT_BY = "changed the caller's model"
REJECTED_BY = "test_export_leaves_the_callers_model_as_it_was"


def export_onnx(model, example, path):
    model.eval()
    names = list(inspect.signature(model.forward).parameters)
    torch.onnx.export(
        model,
        tuple(example),
        path,
        dynamo=True,
        dynamic_shapes={n: {0: torch.export.Dim.DYNAMIC} for n in names},
        external_data=False,
        verbose=False,
    )
