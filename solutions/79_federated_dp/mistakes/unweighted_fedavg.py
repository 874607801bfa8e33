"""Mistake: FedAvg as the plain mean of the clients' states.

A client with ten samples counts as much as one with ten thousand: the global model
follows the small clients' data.
"""

import torch

CAUGHT_BY = "unweighted FedAvg"
REJECTED_BY = "test_fedavg_is_the_sample_weighted_average"


def fedavg(clients, num_samples):
    if not clients or len(clients) != len(num_samples) or any(n < 1 for n in num_samples):
        raise ValueError("bad clients or counts")
    states = [c.state_dict() for c in clients]
    if any(list(s) != list(states[0]) for s in states):
        raise ValueError("keys differ")
    out = {}
    for key, value in states[0].items():
        values = torch.stack([s[key] for s in states])
        out[key] = values.mean(0) if value.is_floating_point() else values.amax(0)
    return out
