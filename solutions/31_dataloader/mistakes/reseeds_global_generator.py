"""Mistake: reseeding torch's global generator instead of the dataset's own.

torch already seeds its global generator in every worker; the generator object the dataset
holds stays an identical copy in every worker.
"""

import torch

CAUGHT_BY = "identical copy"


def seed_worker(worker_id):
    torch.manual_seed(torch.initial_seed())
