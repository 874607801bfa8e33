"""Mistake: custom_translation_table keyed by torch.ops.<namespace>.<name>, without .default.

That is the OpOverloadPacket; the exported graph's nodes call the overload (.default), and
torch.onnx refuses a packet as a key.
"""

import copy
import inspect

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "without .default"
REJECTED_BY = "test_custom_op_model_runs_in_onnxruntime"

solution = solution_for(__file__)


def export_soft_clip_model(model, example, path, qualname):
    namespace, _, name = qualname.partition("::")
    packet = getattr(getattr(torch.ops, namespace), name)
    names = list(inspect.signature(model.forward).parameters)
    torch.onnx.export(
        copy.deepcopy(model).eval(),
        tuple(example),
        path,
        dynamo=True,
        dynamic_shapes={n: {0: torch.export.Dim.DYNAMIC} for n in names},
        external_data=False,
        custom_translation_table={packet: solution.soft_clip_onnx},
        verbose=False,
    )
