"""Mistake: the average accumulated into clients[0].state_dict() in place.

state_dict() tensors are the model's own parameters: client 0's model is overwritten with
the average, and the result aliases it.
"""

CAUGHT_BY = "averaging into a client's state_dict()"
REJECTED_BY = "test_fedavg_leaves_the_clients_alone"


def fedavg(clients, num_samples):
    if not clients or len(clients) != len(num_samples) or any(n < 1 for n in num_samples):
        raise ValueError("bad clients or counts")
    states = [c.state_dict() for c in clients]
    if any(list(s) != list(states[0]) for s in states):
        raise ValueError("keys differ")
    total = sum(num_samples)
    avg = states[0]
    for key, value in avg.items():
        if value.is_floating_point():
            value.mul_(num_samples[0] / total)
            for state, n in zip(states[1:], num_samples[1:], strict=True):
                value.add_(state[key], alpha=n / total)
        else:
            for state in states[1:]:
                value.copy_(value.maximum(state[key]))
    return avg
