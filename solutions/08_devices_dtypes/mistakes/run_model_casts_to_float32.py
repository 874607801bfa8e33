"""Mistake: run_model() fixes the dtype error with x.float().

That only works for float32 models: a float64 (or half precision) model fails again.
"""

CAUGHT_BY = "a fixed cast"
REJECTED_BY = "test_run_model_fixes_the_dtype_error"


def run_model(model, x):
    return model(x.float())
