"""Mistake: casting the model and the inputs to the low dtype by hand instead of autocast.

model.to(bfloat16) turns the master weights themselves into low precision: small updates
round away, and every op (softmax, losses, reductions) runs in low precision.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "cast the model by hand"
REJECTED_BY = "test_model_is_not_cast_by_hand"

solution = solution_for(__file__)


def autocast_forward(model, inputs, targets, loss_fn):
    dtype = solution.autocast_dtype(inputs.device)
    model.to(dtype)
    outputs = model(inputs.to(dtype))
    return outputs, loss_fn(outputs, targets)
