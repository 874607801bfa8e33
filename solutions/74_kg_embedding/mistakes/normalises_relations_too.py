"""Mistake: relations renormalised to unit length along with the entities.

TransE constrains entity norms only (to stop the loss shrinking by inflating them); unit
relations limit how far a translation can reach.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "relations were normalised too"
REJECTED_BY = "test_normalize_entities_leaves_relations_alone"

solution = solution_for(__file__)


class TransE(solution.TransE):
    def normalize_entities_(self):
        with torch.no_grad():
            for table in (self.entities, self.relations):
                w = table.weight
                w.div_(torch.linalg.vector_norm(w, dim=1, keepdim=True).clamp_min(1e-12))
