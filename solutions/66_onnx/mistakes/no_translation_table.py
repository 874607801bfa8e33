"""Mistake: exporting the custom-op model like any other, without custom_translation_table.

torch.onnx knows the aten operators, not yours: it has nothing to translate soft_clip to
and the export fails at its last step.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "no ONNX translation"
REJECTED_BY = "test_custom_op_model_runs_in_onnxruntime"

solution = solution_for(__file__)


def export_soft_clip_model(model, example, path, qualname):
    solution.export_onnx(model, example, path)
