"""Mistake: describe_state calls a tensor a parameter when it requires grad.

A frozen parameter (requires_grad=False, as in fine-tuning) is still a parameter: it is in
parameters() and an optimizer can hold it. Whether a tensor is a parameter is where it is
registered, not its requires_grad flag.
"""

CAUGHT_BY = "frozen"
REJECTED_BY = "test_describe_state"


def describe_state(module):
    kinds = {}
    saved = set(module.state_dict(keep_vars=True))
    for name, t in [*module.named_parameters(), *module.named_buffers()]:
        if t.requires_grad:
            kinds[name] = "parameter"
        else:
            kinds[name] = "buffer" if name in saved else "non-persistent buffer"
    return kinds
