"""Mistake: describe_state() calls every state_dict() entry a parameter.

state_dict() holds persistent buffers too (running_mean, num_batches_tracked) and misses
non-persistent buffers entirely.
"""

CAUGHT_BY = "named_buffers"
REJECTED_BY = "test_describe_state"


def describe_state(module):
    return {name: "parameter" for name in module.state_dict()}
