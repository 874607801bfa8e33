"""Kata 29: reproducible runs: seeds, deterministic algorithms, DataLoader workers.
See README.md in this folder."""

from collections.abc import Iterator
from contextlib import contextmanager

from torch.utils.data import DataLoader, Dataset


def seed_everything(seed: int) -> None:
    """Seed every global random number generator a training script draws from.

    Python's random, NumPy's global generator (np.random.seed) and torch's CPU and CUDA
    generators (torch.manual_seed seeds every device). seed is any non-negative int; NumPy,
    which takes 32-bit seeds only, gets seed % 2**32. After seed_everything(s), the next
    random.random(), np.random.rand() and torch.rand() are the same on every run.
    """
    # TODO: random.seed, np.random.seed, torch.manual_seed
    raise NotImplementedError("TODO: seed_everything(seed)")


@contextmanager
def deterministic_mode() -> Iterator[None]:
    """Inside the block, torch refuses nondeterministic algorithms; outside, nothing changed.

    Sets torch.use_deterministic_algorithms(True) (not warn_only), cudnn.deterministic =
    True, cudnn.benchmark = False and the environment variable CUBLAS_WORKSPACE_CONFIG to
    ":4096:8" (cuBLAS needs it to be deterministic). On exit, even by an exception, every one
    of these is put back exactly as it was before the block (the flag, its warn_only, the
    cudnn flags, and the variable, or its absence).
    """
    # TODO: save the current settings, set them, yield inside try, restore in finally
    raise NotImplementedError("TODO: deterministic_mode()")


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
    # TODO: torch.initial_seed(), random.seed, np.random.seed, get_worker_info().dataset.rng
    raise NotImplementedError("TODO: seed_worker(worker_id)")


def make_loader(dataset: Dataset, batch_size: int, seed: int, num_workers: int = 2) -> DataLoader:
    """A shuffling DataLoader whose batches depend on `seed` only.

    Shuffles with its own torch.Generator seeded with `seed` (so the order, and the workers'
    base seeds, do not depend on torch's global generator or on whoever drew from it), and
    uses seed_worker as worker_init_fn, with the caller's batch_size and num_workers. Making
    it changes no global state (Python's, NumPy's and torch's generators stay as they were).
    Two loaders made with the same seed yield the same batches, epoch after epoch, whatever
    num_workers is; another seed gives another order.
    """
    # TODO: DataLoader(..., shuffle=True, generator=..., worker_init_fn=seed_worker)
    raise NotImplementedError("TODO: make_loader(dataset, batch_size, seed, num_workers)")
