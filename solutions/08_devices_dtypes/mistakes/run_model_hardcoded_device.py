"""Mistake: run_model() writes x.to("cuda" if torch.cuda.is_available() else "cpu").

The device is decided inside the function instead of following the model: code that
names devices runs on one kind of machine and breaks when the model lives elsewhere.
"""

import torch

CAUGHT_BY = "hard-codes a device"
REJECTED_BY = "test_run_model_fixes_the_dtype_error"


def run_model(model, x):
    dtype = next(model.parameters()).dtype
    return model(x.to("cuda" if torch.cuda.is_available() else "cpu", dtype))
