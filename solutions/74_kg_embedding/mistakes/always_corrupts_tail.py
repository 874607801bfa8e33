"""Mistake: only the tail is ever replaced.

The model then never sees negatives with a wrong head and learns nothing that ranks heads.
"""

import torch

CAUGHT_BY = "always the tail"
REJECTED_BY = "test_corrupt_picks_head_or_tail_by_a_fair_coin"


def corrupt(triples, num_entities, generator, known=None):
    out = triples.detach().cpu().clone()
    out[:, 2] = torch.randint(num_entities, (out.shape[0],), generator=generator)
    return out.to(triples.device)
