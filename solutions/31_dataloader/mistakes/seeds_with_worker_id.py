"""Mistake: the dataset's generator is seeded with worker_id.

The workers differ from each other, but every epoch and every loader seed repeats exactly
the same augmentations.
"""

from torch.utils.data import get_worker_info

CAUGHT_BY = "seeding with worker_id"
REJECTED_BY = "test_each_worker_reseeds_its_copy_of_the_datasets_generator"


def seed_worker(worker_id):
    info = get_worker_info()
    if info is not None and hasattr(info.dataset, "generator"):
        info.dataset.generator.manual_seed(worker_id)
