"""Mistake: reseeding torch's global generator instead of the dataset's own.

torch already seeds its global generator in every worker; the generator object the dataset
holds stays an identical copy in every worker.
"""

import torch

CAUGHT_BY = "identical copy"
REJECTED_BY = "test_each_worker_reseeds_its_copy_of_the_datasets_generator"


def seed_worker(worker_id):
    torch.manual_seed(torch.initial_seed())
