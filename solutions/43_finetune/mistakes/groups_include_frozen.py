"""Mistake: a group holds list(submodule.parameters()), frozen ones included.

Harmless to SGD today (it skips .grad None), but the optimizer keeps state for, and
weight-decays, tensors that were meant to be left alone once anything gives them a grad.
"""

CAUGHT_BY = "holds a frozen parameter"
REJECTED_BY = "test_groups_hold_each_trainable_parameter_once_and_no_frozen_one"


def param_groups(model, lrs):
    modules = dict(model.named_modules())
    unknown = [name for name in lrs if name not in modules]
    if unknown:
        raise ValueError(f"no submodule named {unknown}")
    groups = [{"params": list(modules[name].parameters()), "lr": lr} for name, lr in lrs.items()]
    seen = {id(p) for g in groups for p in g["params"]}
    left = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in seen]
    if left:
        raise ValueError(f"trainable parameters in no group: {left}")
    return groups
