"""Kata 29: reproducible runs: seeds, deterministic algorithms, DataLoader workers.
See README.md in this folder."""

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, get_worker_info

_CUBLAS = "CUBLAS_WORKSPACE_CONFIG"


def seed_everything(seed: int) -> None:
    """Seed every global random number generator a training script draws from.

    Python's random, NumPy's global generator (np.random.seed) and torch's CPU and CUDA
    generators (torch.manual_seed seeds every device). seed is any non-negative int; NumPy,
    which takes 32-bit seeds only, gets seed % 2**32. After seed_everything(s), the next
    random.random(), np.random.rand() and torch.rand() are the same on every run.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)  # NumPy accepts 32-bit seeds only
    torch.manual_seed(seed)  # CPU and every CUDA device


@contextmanager
def deterministic_mode() -> Iterator[None]:
    """Inside the block, torch refuses nondeterministic algorithms; outside, nothing changed.

    Sets torch.use_deterministic_algorithms(True) (not warn_only), cudnn.deterministic =
    True, cudnn.benchmark = False and the environment variable CUBLAS_WORKSPACE_CONFIG to
    ":4096:8" (cuBLAS needs it to be deterministic). On exit, even by an exception, every one
    of these is put back exactly as it was before the block (the flag, its warn_only, the
    cudnn flags, and the variable, or its absence).
    """
    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn_deterministic = torch.backends.cudnn.deterministic
    cudnn_benchmark = torch.backends.cudnn.benchmark
    cublas = os.environ.get(_CUBLAS)
    try:
        os.environ[_CUBLAS] = ":4096:8"
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False  # autotuning may pick different kernels per run
        yield
    finally:  # global state: put back what the caller had, not the defaults
        torch.use_deterministic_algorithms(enabled, warn_only=warn_only)
        torch.backends.cudnn.deterministic = cudnn_deterministic
        torch.backends.cudnn.benchmark = cudnn_benchmark
        if cublas is None:
            os.environ.pop(_CUBLAS, None)
        else:
            os.environ[_CUBLAS] = cublas


def seed_worker(worker_id: int) -> None:
    """A DataLoader worker_init_fn that gives every worker its own, reproducible randomness.

    In a worker, torch.initial_seed() is the loader's base seed + worker_id: derived from the
    loader's generator, different in each worker and each epoch. Seed Python's random and
    NumPy's global generator with torch.initial_seed() % 2**32, and, if the worker's copy of
    the dataset (torch.utils.data.get_worker_info().dataset) has an attribute rng (a NumPy
    Generator, which every worker would otherwise inherit as an identical copy), replace it
    with np.random.default_rng(torch.initial_seed()). Outside a worker, get_worker_info() is
    None: only random and NumPy are seeded.
    """
    seed = torch.initial_seed()  # base_seed + worker_id inside a worker
    random.seed(seed % 2**32)
    np.random.seed(seed % 2**32)
    info = get_worker_info()
    if info is not None and hasattr(info.dataset, "rng"):
        # each worker holds a forked copy of the dataset, generator state included
        info.dataset.rng = np.random.default_rng(seed)


def make_loader(dataset: Dataset, batch_size: int, seed: int, num_workers: int = 2) -> DataLoader:
    """A shuffling DataLoader whose batches depend on `seed` only.

    Shuffles with its own torch.Generator seeded with `seed` (so the order, and the workers'
    base seeds, do not depend on torch's global generator or on whoever drew from it), and
    uses seed_worker as worker_init_fn, with the caller's batch_size and num_workers. Making
    it changes no global state (Python's, NumPy's and torch's generators stay as they were).
    Two loaders made with the same seed yield the same batches, epoch after epoch, whatever
    num_workers is; another seed gives another order.
    """
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=seed_worker,
        generator=generator,
    )
