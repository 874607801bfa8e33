"""Mistake: dynamic_shapes keyed "x" (the usual name in examples) instead of forward's names.

torch.export matches the keys against forward's argument names ("features", "tokens") and
refuses the export.
"""

import copy

import torch

CAUGHT_BY = "dynamic_shapes keyed by names of your choosing"
REJECTED_BY = "test_exported_classifier_matches_at_several_batch_sizes"


def export_onnx(model, example, path):
    frozen = copy.deepcopy(model).eval()
    dynamic_shapes = {
        f"x{i}" if i else "x": {0: torch.export.Dim.DYNAMIC} for i in range(len(example))
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
