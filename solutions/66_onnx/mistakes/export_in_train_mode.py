"""Mistake: exporting the model in whatever mode it is in (train mode here).

The exported graph then applies dropout and normalises with each batch's statistics: a
deployed model that answers differently from the evaluated one (torch.onnx warns).
"""

import inspect

import torch

CAUGHT_BY = "exported in train mode"
REJECTED_BY = "test_exported_classifier_matches_at_several_batch_sizes"


def export_onnx(model, example, path):
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
