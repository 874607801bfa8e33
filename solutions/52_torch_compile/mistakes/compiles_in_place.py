"""Mistake: model.compile(...) and returning the model.

nn.Module.compile compiles in place: the caller's model is no longer an eager module.
"""

CAUGHT_BY = "compiles in place"
REJECTED_BY = "test_compile_model_wraps_the_same_module"


def compile_model(model, backend="inductor"):
    model.compile(backend=backend, fullgraph=True)
    return model
