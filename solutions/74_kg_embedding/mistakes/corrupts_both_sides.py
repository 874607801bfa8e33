"""Mistake: every negative gets a new head AND a new tail.

TransE's negatives differ from a true triple in one entity; replacing both gives easy,
unrelated negatives that teach the model little.
"""

import torch

CAUGHT_BY = "both head and tail replaced"
REJECTED_BY = "test_corrupt_replaces_one_side_and_keeps_the_relation"


def corrupt(triples, num_entities, generator, known=None):
    out = triples.detach().cpu().clone()
    b = out.shape[0]
    out[:, 0] = torch.randint(num_entities, (b,), generator=generator)
    out[:, 2] = torch.randint(num_entities, (b,), generator=generator)
    return out.to(triples.device)
