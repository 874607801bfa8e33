"""Mistake: the draws come from torch's global generator, not the generator argument.

Negatives then depend on whatever else drew random numbers before, and a seeded generator
does not reproduce them.
"""

import torch

CAUGHT_BY = "global random generator"
REJECTED_BY = "test_corrupt_draws_only_from_the_generator"


def corrupt(triples, num_entities, generator, known=None):
    out = triples.detach().cpu().clone()
    b = out.shape[0]
    heads = torch.rand(b) < 0.5
    entities = torch.randint(num_entities, (b,))
    out[:, 0] = torch.where(heads, entities, out[:, 0])
    out[:, 2] = torch.where(heads, out[:, 2], entities)
    return out.to(triples.device)
