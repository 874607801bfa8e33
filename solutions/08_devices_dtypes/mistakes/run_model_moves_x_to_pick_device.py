"""Mistake: run_model() moves x to pick_device() instead of to the model's device.

The "best" device is not necessarily where the caller put the model.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "moving x to pick_device()"
REJECTED_BY = "test_run_model_fixes_the_device_error"


def run_model(model, x):
    dtype = next(model.parameters()).dtype
    return model(x.to(solution.pick_device(), dtype))
