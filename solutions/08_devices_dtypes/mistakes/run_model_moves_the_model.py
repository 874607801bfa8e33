"""Mistake: run_model() fixes the mismatch the other way round: model.to(x), then model(x).

The caller's model is moved and cast in place (Module.to works in place), to x's device and
dtype; for an integer x it raises.
"""

CAUGHT_BY = "changed the model's dtype"
REJECTED_BY = "test_run_model_fixes_the_dtype_error"


def run_model(model, x):
    return model.to(x)(x)
