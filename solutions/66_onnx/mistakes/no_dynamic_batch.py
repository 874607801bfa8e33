"""Mistake: export without dynamic_shapes.

Every dimension is fixed to the example's size: the file runs at batch 3 only, and
onnxruntime refuses any other batch size.
"""

import copy

import torch

CAUGHT_BY = "no dynamic batch dimension"
REJECTED_BY = "test_exported_classifier_matches_at_several_batch_sizes"


def export_onnx(model, example, path):
    frozen = copy.deepcopy(model).eval()
    torch.onnx.export(frozen, tuple(example), path, dynamo=True, external_data=False, verbose=False)
