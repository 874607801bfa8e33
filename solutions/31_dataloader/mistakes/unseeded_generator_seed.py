"""Mistake: the dataset's generator reseeded with generator.seed(), a fresh random seed.

Every worker now differs, but the seed comes from the operating system: the augmentations
cannot be reproduced from the loader's seed.
"""

from torch.utils.data import get_worker_info

CAUGHT_BY = "not reproducible"
REJECTED_BY = "test_each_worker_reseeds_its_copy_of_the_datasets_generator"


def seed_worker(worker_id):
    info = get_worker_info()
    if info is not None and hasattr(info.dataset, "generator"):
        info.dataset.generator.seed()
