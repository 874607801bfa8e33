"""Mistake: the ONNX translation computes limit * tanh(x), without the division.

The PyTorch op is right, the exported file computes something else: the two disagree as
soon as the model is deployed.
"""

CAUGHT_BY = "the division inside the tanh"
REJECTED_BY = "test_translation_computes_soft_clip_in_onnxscript"


def soft_clip_onnx(x, limit):
    from onnxscript import opset18 as op

    return op.Mul(op.Tanh(x), limit)
