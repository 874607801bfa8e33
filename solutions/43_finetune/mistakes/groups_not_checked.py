"""Mistake: one group per name, with no check that the groups cover every trainable
parameter exactly once.

A forgotten stage is silently never trained (it is in no group); torch.optim does not
complain about a parameter it was never given.
"""

CAUGHT_BY = "in no group is silently never trained"
REJECTED_BY = "test_groups_that_miss_overlap_or_misname_raise"


def param_groups(model, lrs):
    modules = dict(model.named_modules())
    unknown = [name for name in lrs if name not in modules]
    if unknown:
        raise ValueError(f"no submodule named {unknown}")
    return [
        {"params": [p for p in modules[name].parameters() if p.requires_grad], "lr": lr}
        for name, lr in lrs.items()
    ]
