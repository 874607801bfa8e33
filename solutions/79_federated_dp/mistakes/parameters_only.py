"""Mistake: FedAvg over named_parameters() only, the buffers left out.

The global model keeps its own (stale) batch-norm statistics, which match none of the
averaged weights: its eval-mode accuracy collapses.
"""

CAUGHT_BY = "buffers included"
REJECTED_BY = "test_fedavg_is_the_sample_weighted_average"


def fedavg(clients, num_samples):
    if not clients or len(clients) != len(num_samples) or any(n < 1 for n in num_samples):
        raise ValueError("bad clients or counts")
    total = sum(num_samples)
    params = [dict(c.named_parameters()) for c in clients]
    if any(list(p) != list(params[0]) for p in params):
        raise ValueError("keys differ")
    out = {}
    for key in params[0]:
        acc = 0
        for p, n in zip(params, num_samples, strict=True):
            acc = acc + (n / total) * p[key].detach()
        out[key] = acc
    return out
