"""Mistake: torch.topk for the routing, trusting it to break ties by index.

torch.topk makes no promise about which of several equal logits comes first (on the CPU
it does not pick the lowest index), so tied tokens go to undocumented experts and
results differ between devices.
"""

import torch

CAUGHT_BY = "makes no promise about ties"
REJECTED_BY = "test_top_k_route_breaks_ties_toward_the_lower_expert"


def top_k_route(logits, k):
    if logits.dim() != 2 or logits.shape[0] < 1 or not 1 <= k <= logits.shape[1]:
        raise ValueError("bad logits or k")
    values, experts = torch.topk(logits, k, dim=1)
    return experts, torch.softmax(values, dim=1)
