"""Mistake: every entry averaged with the float weights, integer counters included.

num_batches_tracked comes back as a float tensor with a fractional count: load_state_dict
quietly casts it back, truncating, and the dtype of the state dict is no longer the model's.
"""

import torch

CAUGHT_BY = "the integer counter was averaged"
REJECTED_BY = "test_integer_buffers_take_the_clients_maximum"


def fedavg(clients, num_samples):
    if not clients or len(clients) != len(num_samples) or any(n < 1 for n in num_samples):
        raise ValueError("bad clients or counts")
    states = [c.state_dict() for c in clients]
    if any(list(s) != list(states[0]) for s in states):
        raise ValueError("keys differ")
    total = sum(num_samples)
    out = {}
    for key, value in states[0].items():
        acc = torch.zeros(value.shape, dtype=torch.get_default_dtype(), device=value.device)
        if value.is_floating_point():
            acc = acc.to(value.dtype)
        for state, n in zip(states, num_samples, strict=True):
            acc = acc + (n / total) * state[key]
        out[key] = acc
    return out
