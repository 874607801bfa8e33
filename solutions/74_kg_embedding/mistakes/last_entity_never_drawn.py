"""Mistake: torch.randint(num_entities - 1, ...), as if the upper bound were inclusive.

randint's high is already exclusive: the last entity can never appear in a negative.
"""

import torch

CAUGHT_BY = "never drew entity"
REJECTED_BY = "test_corrupt_draws_every_entity_about_equally"


def corrupt(triples, num_entities, generator, known=None):
    out = triples.detach().cpu().clone()
    b = out.shape[0]
    heads = torch.rand(b, generator=generator) < 0.5
    entities = torch.randint(num_entities - 1, (b,), generator=generator)
    out[:, 0] = torch.where(heads, entities, out[:, 0])
    out[:, 2] = torch.where(heads, out[:, 2], entities)
    return out.to(triples.device)
