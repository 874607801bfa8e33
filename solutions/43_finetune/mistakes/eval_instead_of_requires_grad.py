"""Mistake: freezing by calling .eval() on the frozen submodules.

eval() only changes how Dropout and BatchNorm behave; the parameters still require grad,
get gradients, and every optimizer step moves them.
"""

CAUGHT_BY = "eval() does not freeze"
REJECTED_BY = "test_frozen_parameters_get_no_gradient_and_no_update"


def freeze(model, prefixes):
    modules = dict(model.named_modules())
    unknown = [p for p in prefixes if p not in modules]
    if unknown:
        raise ValueError(f"no submodule named {unknown}")
    for prefix in prefixes:
        modules[prefix].eval()
