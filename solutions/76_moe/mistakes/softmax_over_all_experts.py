"""Mistake: the combine weights read from the softmax over all E experts, not renormalised.

The doc asks for the softmax over the k selected logits (rows summing to 1); the raw
full-softmax probabilities of the chosen experts sum to less than 1, shrinking every
output by a token-dependent factor.
"""

import torch

CAUGHT_BY = "not renormalised over the selected k"
REJECTED_BY = "test_top_k_route_equals_a_sorted_loop"


def top_k_route(logits, k):
    order = torch.sort(logits, dim=1, descending=True, stable=True).indices
    experts = order[:, :k]
    return experts, torch.softmax(logits, dim=1).gather(1, experts)
