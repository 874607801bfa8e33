"""Mistake: seed_worker reseeds info.dataset.generator without checking that it exists.

The same worker_init_fn is often used for every loader of a project; a dataset without a
generator of its own then kills the worker with AttributeError.
"""

from torch.utils.data import get_worker_info

CAUGHT_BY = "assumes every dataset has .generator"
REJECTED_BY = "test_datasets_without_a_generator_are_left_alone"


def seed_worker(worker_id):
    info = get_worker_info()
    if info is not None:
        info.dataset.generator.manual_seed(info.seed)
