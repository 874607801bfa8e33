"""Mistake: the server deep-copies the models but never calls eval() on the copies.

In train mode Dropout is random and BatchNorm normalises with the batch's statistics: the
same row gets a different answer alone and in a batch, and a batch of one row fails.
"""

import copy

from torchkatas.harness import solution_for

CAUGHT_BY = "eval mode"
REJECTED_BY = "test_concurrent_requests_are_batched_and_each_gets_its_own_answer"

solution = solution_for(__file__)


class ModelServer(solution.ModelServer):
    def __init__(self, models, **kwargs):
        super().__init__(models, **kwargs)
        self._models = {v: copy.deepcopy(m) for v, m in models.items()}
