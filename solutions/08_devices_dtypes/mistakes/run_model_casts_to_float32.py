"""Mistake: run_model() fixes the dtype error with x.float().

That only works for float32 models: a float64 (or half precision) model fails again.
"""

CAUGHT_BY = "a fixed cast"


def run_model(model, x):
    return model(x.float())
