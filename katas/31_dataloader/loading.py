"""Kata 31: samplers, workers and pinned memory in a DataLoader. See README.md in this folder."""

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, IterableDataset, WeightedRandomSampler


class ShardedStream(IterableDataset):
    """An iterable-style dataset over `records` that DataLoader workers share out between them.

    records: a sequence (list, tuple, range) of N >= 0 items of any kind. Iterating in the
    main process (torch.utils.data.get_worker_info() is None) yields every record, in order.
    Inside a DataLoader with num_workers=n, every worker runs __iter__ on its own copy of the
    dataset; worker k (get_worker_info().id) must yield only its share, so that over all n
    workers every record is yielded exactly once: none lost, none duplicated, for any n >= 1
    and any N (N not divisible by n, or N < n, where some workers yield nothing). Which
    worker takes which record is up to you. Every call of __iter__ starts afresh, so a
    DataLoader yields all records again in every epoch. The caller's sequence is not changed.
    """

    def __init__(self, records: Sequence[Any]) -> None:
        # TODO: keep the records; build no iterator here (each epoch calls __iter__ again)
        raise NotImplementedError("TODO: ShardedStream.__init__")

    def __iter__(self) -> Iterator[Any]:
        """This worker's share of the records (all of them outside a worker)."""
        # TODO: torch.utils.data.get_worker_info(): None, or .id and .num_workers
        raise NotImplementedError("TODO: ShardedStream.__iter__")


def balanced_sampler(
    labels: Tensor, num_samples: int, generator: torch.Generator
) -> WeightedRandomSampler:
    """A WeightedRandomSampler that draws every class about equally often.

    labels: (N,) integer class ids >= 0 (any device; ids need not be 0..C-1 without gaps),
    one per sample of the dataset. Sample i gets the weight 1 / (number of samples whose
    label is labels[i]), so every class present has the same total weight. Returns
    WeightedRandomSampler(weights, num_samples, replacement=True, generator=generator):
    weights is (N,), one per sample (not one per class), on the CPU; replacement, so rare
    samples can be drawn many times. Its indices depend only on `generator`, never on
    torch's global generator. `labels` is not changed. Raises ValueError if labels is not
    1-D or is empty.
    """
    # TODO: count each class (torch.bincount or torch.unique), then one weight per sample
    raise NotImplementedError("TODO: balanced_sampler(labels, num_samples, generator)")


def seed_worker(worker_id: int) -> None:
    """A DataLoader worker_init_fn for datasets that carry their own torch.Generator.

    In each worker, torch already reseeds Python's random, NumPy's global generator and
    torch's global generator, but not a generator object the dataset holds: every worker
    gets an identical copy of `dataset.generator`, so every worker would draw the same
    "random" augmentations. If the worker's copy of the dataset
    (torch.utils.data.get_worker_info().dataset) has an attribute `generator` (a
    torch.Generator), call its manual_seed(get_worker_info().seed): that seed is the
    loader's base seed + worker_id, different in each worker and each epoch, and
    reproducible when the DataLoader has a seeded generator=. Datasets without the
    attribute are left alone. Outside a worker (get_worker_info() is None) it does nothing.
    """
    # TODO: info = get_worker_info(); info.dataset.generator.manual_seed(info.seed)
    raise NotImplementedError("TODO: seed_worker(worker_id)")


def balanced_loader(
    dataset: Dataset,
    labels: Tensor,
    batch_size: int,
    device: torch.device | str,
    *,
    seed: int,
    num_samples: int | None = None,
    num_workers: int = 0,
) -> DataLoader:
    """A class-balanced DataLoader whose batches depend on `seed` only, ready for `device`.

    dataset: a map-style dataset of N items; labels: (N,) class ids of its items. The
    loader draws num_samples indices (default N) from
    balanced_sampler(labels, num_samples, torch.Generator().manual_seed(seed)), in batches
    of batch_size (the last may be smaller), with num_workers worker processes,
    worker_init_fn=seed_worker, and its own generator=torch.Generator().manual_seed(seed)
    (the workers' base seeds come from the loader's generator, not the sampler's). So two
    loaders built with the same seed give the same batches, epoch after epoch, whatever
    other code draws from torch's global generator meanwhile.
    pin_memory is True exactly when the target device is a CUDA device (torch.device(device)
    .type == "cuda"): pinned host memory only speeds up copies to a GPU, and on a machine
    without one DataLoader warns about it. Decide from `device`, not from what the machine
    has. The batches stay on the CPU (the training loop moves them). `labels` is not
    changed. Raises ValueError if len(labels) != len(dataset).
    """
    # TODO: DataLoader(dataset, batch_size, sampler=..., num_workers=..., worker_init_fn=...,
    # generator=..., pin_memory=...)
    raise NotImplementedError("TODO: balanced_loader(dataset, labels, batch_size, device, ...)")
