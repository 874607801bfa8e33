"""Mistake: the new entities are written into the caller's triples.

The positives the caller holds are silently turned into negatives; the next positive score
is computed on corrupted data.
"""

import torch

CAUGHT_BY = "changed the caller's triples"
REJECTED_BY = "test_corrupt_replaces_one_side_and_keeps_the_relation"


def corrupt(triples, num_entities, generator, known=None):
    b = triples.shape[0]
    heads = (torch.rand(b, generator=generator) < 0.5).to(triples.device)
    entities = torch.randint(num_entities, (b,), generator=generator).to(triples.device)
    triples[:, 0] = torch.where(heads, entities, triples[:, 0])
    triples[:, 2] = torch.where(heads, triples[:, 2], entities)
    return triples
