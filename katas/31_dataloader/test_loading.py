"""Tests for kata 31: an IterableDataset sharded across workers, a balanced sampler, worker
seeding and pin_memory, checked against Counters, torch's own sampler and re-seeded generators.

Worker processes cost time to start, so the tests use at most 3 workers, and the runs that
several tests read are made once per implementation (cached by `kata.ref(...)`, whose key
includes the mistake under test).
"""

import random
from collections import Counter
from typing import Any

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler, get_worker_info

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

# DataLoader workers fork on Linux; Python 3.12+ warns when a multi-threaded process forks
forks = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
TOLERANCE = 0.03  # largest allowed |share - 1/C| over BALANCE_DRAWS draws (about 5 sigma)
BALANCE_DRAWS = 6000
FORKED_SEED = 1234  # the datasets' own generators, as every worker inherits them


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------------------- task 1


def random_records(seed: int, n: int) -> list[int]:
    """n distinct ints in random order (not 0..n-1, so a hard-coded range cannot pass)."""
    return torch.randperm(1000, generator=seeded(seed))[:n].tolist()


def stream_from_loader(records, num_workers: int, batch_size: int | None) -> list[Any]:
    loader = DataLoader(
        kata.ShardedStream(records),
        batch_size=batch_size,
        num_workers=num_workers,
        timeout=30 if num_workers else 0,  # a hang guard only
    )
    got: list[Any] = []
    for item in loader:
        got.extend(item.tolist() if batch_size is not None else [item])
    return got


def check_each_record_once(got: list[Any], records: list[Any], what: str) -> None:
    __tracebackhide__ = True
    have, want = Counter(got), Counter(records)
    lost = sorted(r for r in want if have[r] < want[r])
    duplicated = sorted(r for r in have if have[r] > want[r])
    if duplicated:
        raise AssertionError(
            f"{what} yielded {len(got)} records for {len(records)}: duplicated "
            f"{ {r: have[r] for r in duplicated} } (record: times yielded). Likely mistake: "
            f"every worker yields every record (no sharding with get_worker_info()), or "
            f"shares that overlap (a worker count assumed, not info.num_workers)."
        )
    if lost:
        raise AssertionError(
            f"{what} yielded {len(got)} records for {len(records)}: lost {lost}. Likely "
            f"mistake: shares of len(records) // num_workers that drop the remainder, or a "
            f"worker count assumed instead of info.num_workers."
        )
    if have != want:  # neither lost nor duplicated: something else came back
        raise AssertionError(f"{what} yielded {got}, expected the records {records}.")


def iterate_in_main_process(stream, what: str) -> list[Any]:
    __tracebackhide__ = True
    try:
        return list(iter(stream))
    except AttributeError as err:
        if "NoneType" not in str(err):
            raise AssertionError(
                f"{what} raised AttributeError: {err}; expected every record, in order."
            ) from err
        raise AssertionError(
            f"{what} raised AttributeError: {err}. In the main process (no DataLoader, or "
            f"num_workers=0) get_worker_info() is None: yield every record then. Likely "
            f"mistake: reading get_worker_info().id without checking for None."
        ) from err


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "records",
    [random_records(1, 7), range(3, 12, 2), ("a", "b", "c"), [], [42]],
    ids=["list", "range", "tuple-of-str", "empty", "one"],
)
def test_main_process_yields_every_record_in_order(records):
    before = list(records)
    stream = kata.ShardedStream(records)
    what = f"list(ShardedStream({records!r})) in the main process"
    got = iterate_in_main_process(stream, what)
    if got != list(records):
        rest = iter(records)
        if Counter(got) == Counter(records):
            why = "the records were reordered (sorted or shuffled): yield them as given."
        elif len(got) < len(records) and all(any(r == g for r in rest) for g in got):
            why = "sharding although get_worker_info() is None (one process, one share)."
        else:
            why = "yield each record of records once, in the order given."
        raise AssertionError(
            f"{what} gave {got}, expected every record in order, {list(records)}. Likely "
            f"mistake: {why}"
        )
    if list(records) != before:
        raise AssertionError(f"{what} changed the caller's records: {before} became {records}.")


@pytest.mark.task(1)
def test_every_iteration_starts_afresh():
    records = random_records(2, 6)
    stream = kata.ShardedStream(records)
    what = f"ShardedStream({records}) iterated twice in the main process (two epochs)"
    first = iterate_in_main_process(stream, what)
    second = iterate_in_main_process(stream, what)
    if second != first or first != records:
        if first != records:
            why = "the first epoch is already wrong: yield every record, in order."
        else:
            why = (
                "an iterator (or a position) made once in __init__ (it is exhausted after one "
                "pass); make a new one in each __iter__ call."
            )
        raise AssertionError(
            f"{what}: the first epoch gave {first}, the second epoch gave {second}; both "
            f"should give {records}. Likely mistake: {why}"
        )


@forks
# 3 workers on purpose (a count that does not divide the records); on a 2-core machine
# DataLoader warns that this is more workers than it suggests
@pytest.mark.filterwarnings("ignore:This DataLoader will create .* worker processes:UserWarning")
@pytest.mark.task(1)
@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("num_workers", "n", "batch_size"),
    [(0, 7, None), (1, 5, None), (2, 7, None), (3, 7, None), (3, 2, None), (2, 9, 4)],
    ids=["0w-7", "1w-5", "2w-7", "3w-7", "3w-2-fewer-records-than-workers", "2w-9-batched"],
)
def test_workers_yield_every_record_exactly_once(num_workers, n, batch_size):
    records = random_records(10 + n + num_workers, n)
    what = (
        f"DataLoader(ShardedStream({n} records), num_workers={num_workers}, "
        f"batch_size={batch_size})"
    )
    got = stream_from_loader(records, num_workers, batch_size)
    check_each_record_once(got, records, what)


# ----------------------------------------------------------------------------- task 2


def expected_weights(labels: list[int]) -> torch.Tensor:
    """1 / (count of the sample's class), by a plain loop, in float64 on the CPU."""
    counts = Counter(labels)
    return torch.tensor([1.0 / counts[y] for y in labels], dtype=torch.float64)


def random_labels(gen: torch.Generator) -> list[int]:
    """Imbalanced labels: 2 to 5 classes with gaps in the ids, one class of a single sample."""
    n_classes = int(torch.randint(2, 6, (), generator=gen))
    ids = (torch.randperm(9, generator=gen)[:n_classes]).tolist()  # e.g. [7, 0, 3]
    sizes = [1, *torch.randint(2, 30, (n_classes - 1,), generator=gen).tolist()]
    labels = [i for i, size in zip(ids, sizes, strict=True) for _ in range(size)]
    return [labels[j] for j in torch.randperm(len(labels), generator=gen).tolist()]


def make_sampler(labels: torch.Tensor, num_samples: int, generator, what: str):
    __tracebackhide__ = True
    try:
        sampler = kata.balanced_sampler(labels, num_samples, generator)
    except IndexError as err:
        raise AssertionError(
            f"{what} raised IndexError: {err}. The class ids here are "
            f"{sorted(set(labels.tolist()))}: not 0..C-1. Likely mistake: "
            f"torch.unique(..., return_counts=True) gives the counts in the order of the "
            f"sorted ids, so counts[labels] indexes them by class id; use "
            f"return_inverse=True (counts[inverse]) or torch.bincount(labels)."
        ) from err
    if not isinstance(sampler, WeightedRandomSampler):
        raise AssertionError(
            f"{what} returned {type(sampler).__name__}, expected a "
            f"torch.utils.data.WeightedRandomSampler."
        )
    return sampler


def weights_mistake(weights: torch.Tensor, labels_list: list[int]) -> str:
    """Why the sampler's weights are not 1 / count, told apart by comparing the candidates."""
    rule = "each sample's weight is 1 / (number of samples of its class)."
    w = weights.detach().cpu().double()
    expected = expected_weights(labels_list)
    counts = torch.tensor([float(Counter(labels_list)[y]) for y in labels_list])
    if w.shape != expected.shape:
        return rule
    if torch.allclose(w, counts.double()):
        return f"weights = count of the class (that favours the majority); {rule}"
    if bool((w == w[0]).all()):
        return f"a uniform weight; {rule}"
    if bool((w > 0).all()) and torch.allclose(w / w.sum(), expected / expected.sum()):
        return f"the weights are 1 / count scaled (normalised?); the docstring asks for {rule}"
    _, sorted_counts = torch.unique(torch.tensor(labels_list), return_counts=True)
    ids = torch.tensor(labels_list)
    if int(ids.max()) < len(sorted_counts):
        by_id = 1.0 / sorted_counts[ids].double()
        if torch.allclose(w, by_id):
            return (
                "torch.unique(..., return_counts=True) gives the counts in the order of the "
                "sorted ids, so counts[labels] indexes them by class id; use "
                "return_inverse=True (counts[inverse]) or torch.bincount(labels)."
            )
    return f"the weights are not 1 / count: {rule}"


@pytest.mark.task(2)
def test_weights_are_one_over_the_class_count_per_sample(device):
    gen = seeded(31)
    for trial in range(6):
        labels_list = random_labels(gen)
        dtype = (torch.long, torch.int32)[trial % 2]
        labels = torch.tensor(labels_list, dtype=dtype, device=device)
        generator = seeded(trial)
        what = (
            f"balanced_sampler(labels of shape ({len(labels_list)},) {dtype} with class "
            f"counts {dict(sorted(Counter(labels_list).items()))}, 50, generator)"
        )
        sampler = make_sampler(labels, 50, generator, what)
        weights = torch.as_tensor(sampler.weights)
        expected = expected_weights(labels_list)
        if weights.shape != expected.shape:
            raise AssertionError(
                f"{what}: the sampler's weights have shape {tuple(weights.shape)}, expected "
                f"{tuple(expected.shape)}: one weight per sample, not one per class. "
                f"WeightedRandomSampler draws indices 0..len(weights)-1, so class weights "
                f"would make it draw only the first few samples."
            )
        if weights.device.type != "cpu":
            raise AssertionError(
                f"{what}: the weights are on {weights.device}; they must be on the CPU, "
                f"where the sampler's torch.Generator draws. Likely mistake: weights made "
                f"from labels on the GPU without .cpu()."
            )
        assert_tensor_close(
            weights,
            expected,
            what=f"{what}: sampler.weights",
            rtol=1e-12,
            atol=0.0,
            mistake=weights_mistake(weights, labels_list),
        )
        if sampler.replacement is not True:
            raise AssertionError(
                f"{what}: replacement={sampler.replacement}; a balanced sampler draws with "
                f"replacement=True, or the class of one sample could be drawn only once."
            )
        if sampler.num_samples != 50 or sampler.generator is not generator:
            raise AssertionError(
                f"{what}: the sampler has num_samples={sampler.num_samples} and generator "
                f"{'the one given' if sampler.generator is generator else sampler.generator}; "
                f"expected num_samples=50 and the generator passed in."
            )


@pytest.mark.task(2)
@pytest.mark.parametrize("sizes", [[90, 9, 1], [40, 3, 1, 20]], ids=["90-9-1", "40-3-1-20"])
def test_classes_are_drawn_equally_often_within_tolerance(sizes, device):
    gen = seeded(sum(sizes))
    labels_list = [c for c, size in enumerate(sizes) for _ in range(size)]
    order = torch.randperm(len(labels_list), generator=gen).tolist()
    labels_list = [labels_list[j] for j in order]
    labels = torch.tensor(labels_list, device=device)
    what = f"balanced_sampler(labels with class sizes {sizes}, {BALANCE_DRAWS}, seeded generator)"
    drawn = list(make_sampler(labels, BALANCE_DRAWS, seeded(7), what))
    if len(drawn) != BALANCE_DRAWS or not all(0 <= i < len(labels_list) for i in drawn):
        raise AssertionError(
            f"{what} drew {len(drawn)} indices (expected {BALANCE_DRAWS}) in "
            f"[{min(drawn, default=None)}, {max(drawn, default=None)}] (expected within "
            f"[0, {len(labels_list) - 1}])."
        )
    counts = Counter(labels_list[i] for i in drawn)
    shares = {c: counts[c] / BALANCE_DRAWS for c in range(len(sizes))}
    target = 1 / len(sizes)
    worst = max(shares, key=lambda c: abs(shares[c] - target))
    if abs(shares[worst] - target) > TOLERANCE:
        rounded = {c: round(s, 3) for c, s in shares.items()}
        raise AssertionError(
            f"{what}: class shares of the draws are {rounded}, expected each within "
            f"{TOLERANCE} of {target:.3f}: the classes are not balanced. Likely mistake: "
            f"weights proportional to the class count instead of its inverse, uniform "
            f"weights, or replacement=False (a class of one sample is then drawn once)."
        )


@pytest.mark.task(2)
def test_draws_depend_only_on_the_generator(device):
    labels = torch.tensor(random_labels(seeded(3)), device=device)
    what = f"balanced_sampler(labels of shape {tuple(labels.shape)}, 40, seeded(5))"
    first = list(make_sampler(labels, 40, seeded(5), what))
    torch.rand(7)  # other code draws from torch's global generator meanwhile
    second = list(make_sampler(labels, 40, seeded(5), what))
    other = list(make_sampler(labels, 40, seeded(6), what))
    if first != second:
        raise AssertionError(
            f"{what} made twice drew {first} then {second}: the draws must depend on the "
            f"generator only. Likely mistake: the generator is not passed to "
            f"WeightedRandomSampler(..., generator=generator), so it draws from torch's "
            f"global generator."
        )
    if first == other:
        raise AssertionError(f"{what}: seeds 5 and 6 drew the same indices {first}.")


@pytest.mark.task(2)
def test_labels_are_not_changed_and_may_be_a_strided_view(device):
    base = torch.tensor(random_labels(seeded(4)) * 2, device=device)
    labels = base[::2]  # non-contiguous
    before = labels.clone()
    what = f"balanced_sampler(labels[::2] of shape {tuple(labels.shape)}, 30, generator)"
    sampler = make_sampler(labels, 30, seeded(0), what)
    assert_tensor_close(
        labels,
        before,
        what=f"{what}: the caller's labels afterwards",
        mistake="labels changed in place (a sort_ or an in-place cast).",
    )
    assert_tensor_close(
        torch.as_tensor(sampler.weights),
        expected_weights(before.tolist()),
        what=f"{what}: sampler.weights",
        rtol=1e-12,
        atol=0.0,
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("shape", [(0,), (4, 3)], ids=["empty", "2-D"])
def test_labels_not_1d_or_empty_raise_value_error(shape, device):
    labels = torch.zeros(shape, dtype=torch.long, device=device)
    what = f"balanced_sampler(labels of shape {shape}, 10, generator)"
    try:
        kata.balanced_sampler(labels, 10, seeded(0))
    except ValueError:
        return
    raise AssertionError(
        f"{what} did not raise ValueError. Likely mistake: no check that labels is a "
        f"non-empty 1-D tensor (a 2-D one would be flattened into wrong weights)."
    )


# ----------------------------------------------------------------------------- task 3


class Augmented(Dataset):
    """Items drawn from the dataset's own torch.Generator, with the worker that drew them."""

    def __init__(self, n: int = 8) -> None:
        self.n = n
        self.generator = torch.Generator().manual_seed(FORKED_SEED)  # copied into every worker

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, Any]:
        info = get_worker_info()
        return {
            "index": i,
            "worker": -1 if info is None else info.id,
            "seed": -1 if info is None else info.seed,
            "draw": torch.rand((), generator=self.generator, dtype=torch.float64),
        }


_seed_runs: dict[Any, list[list[dict[str, Any]]]] = {}  # (impl, seed) -> epochs of items


def seed_worker_run(seed: int) -> list[list[dict[str, Any]]]:
    """Two epochs of DataLoader(Augmented(8), batch_size=2, num_workers=2, seed_worker)."""
    key = (kata.ref("seed_worker"), seed)
    if key not in _seed_runs:
        loader = DataLoader(
            Augmented(8),
            batch_size=2,
            num_workers=2,
            worker_init_fn=kata.seed_worker,
            generator=seeded(seed),
            timeout=30,
        )
        epochs = []
        for _ in range(2):
            items = []
            for batch in loader:
                for j in range(len(batch["index"])):
                    items.append({k: v[j].item() for k, v in batch.items()})
            epochs.append(items)
        _seed_runs[key] = epochs
    return _seed_runs[key]


def draws_of(gen: torch.Generator, k: int) -> list[float]:
    return [torch.rand((), generator=gen, dtype=torch.float64).item() for _ in range(k)]


def per_worker(items: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    workers: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        workers.setdefault(item["worker"], []).append(item)
    return workers


@pytest.mark.task(3)
def test_seed_worker_outside_a_worker_does_nothing():
    states = (torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy())
    try:
        kata.seed_worker(0)
    except AttributeError as err:
        why = (
            "There get_worker_info() is None; return without doing anything."
            if "NoneType" in str(err)
            else "Expected it to return without doing anything there."
        )
        raise AssertionError(
            f"seed_worker(0) called outside a DataLoader worker raised AttributeError: {err}. {why}"
        ) from err
    now = (torch.get_rng_state(), random.getstate(), np.random.get_state()[1])
    if not (torch.equal(states[0], now[0]) and states[1] == now[1] and (states[2] == now[2]).all()):
        raise AssertionError(
            "seed_worker(0) outside a worker changed the global random generators (torch, "
            "random or NumPy). It should do nothing there; in a worker, torch has already "
            "seeded those, and only the dataset's own generator needs seeding."
        )


@forks
@pytest.mark.task(3)
@pytest.mark.timeout(60)
def test_each_worker_reseeds_its_copy_of_the_datasets_generator():
    (epoch, _) = seed_worker_run(3)
    workers = per_worker(epoch)
    what = (
        "DataLoader(dataset with its own .generator, batch_size=2, num_workers=2, "
        "worker_init_fn=seed_worker, generator=seeded(3))"
    )
    if sorted(workers) != [0, 1]:
        raise AssertionError(f"{what}: items came from workers {sorted(workers)}, not 0 and 1.")
    for w, items in sorted(workers.items()):
        got = [item["draw"] for item in items]
        expected = draws_of(seeded(items[0]["seed"]), len(items))
        if got == expected:
            continue
        if got == draws_of(seeded(FORKED_SEED), len(items)):
            why = (
                "the dataset's generator was left as forked: every worker draws from an "
                "identical copy (torch reseeds only its global generator, not generator "
                "objects a dataset holds)."
            )
        elif got == draws_of(seeded(w), len(items)):
            why = (
                "seeding with worker_id: the workers differ, but every epoch and every "
                "loader seed repeats the same draws; use get_worker_info().seed."
            )
        else:
            why = (
                "the generator was not seeded with get_worker_info().seed, so the draws are "
                "not reproducible from the loader's generator (generator.seed(), time, ...)."
            )
        raise AssertionError(
            f"{what}: worker {w} drew {[round(v, 4) for v in got]} from dataset.generator, "
            f"expected {[round(v, 4) for v in expected]} (after "
            f"generator.manual_seed(get_worker_info().seed)). Likely mistake: {why}"
        )


@forks
@pytest.mark.task(3)
@pytest.mark.timeout(60)
def test_draws_repeat_with_the_loader_seed_and_change_every_epoch():
    first = seed_worker_run(3)
    torch.rand(5)  # other code draws from torch's global generator meanwhile
    _seed_runs.pop((kata.ref("seed_worker"), 3))
    again = seed_worker_run(3)
    other = seed_worker_run(4)
    what = "two DataLoaders with worker_init_fn=seed_worker and generator=seeded(3)"
    draws = [[round(item["draw"], 4) for item in epoch] for epoch in (*first, *again, *other)]
    if draws[0] != draws[2] or draws[1] != draws[3]:
        raise AssertionError(
            f"{what} drew {draws[0]} then {draws[2]} from the dataset's generator in epoch "
            f"1: not reproducible. Likely mistake: seeding with generator.seed() or another "
            f"source that is not get_worker_info().seed."
        )
    if draws[0] == draws[1]:
        raise AssertionError(
            f"{what}: epochs 1 and 2 drew the same numbers {draws[0]}: every epoch repeats "
            f"the same augmentations. Likely mistake: {fixed_seed_mistake(first[0])}; "
            f"get_worker_info().seed changes every epoch."
        )
    if draws[0] == draws[4]:
        raise AssertionError(
            f"{what}: loader seeds 3 and 4 drew the same numbers {draws[0]}. Likely mistake: "
            f"{fixed_seed_mistake(first[0])} instead of get_worker_info().seed."
        )


def fixed_seed_mistake(epoch: list[dict[str, Any]]) -> str:
    """Which seed that does not change with the epoch each worker's draws came from."""
    causes = set()
    for w, items in per_worker(epoch).items():
        got = [item["draw"] for item in items]
        if got == draws_of(seeded(w), len(items)):
            causes.add("seeding with worker_id")
        elif got == draws_of(seeded(FORKED_SEED), len(items)):
            causes.add("the dataset's generator left as forked (not reseeded at all)")
        else:
            causes.add("seeding with a constant, or another seed fixed across epochs")
    return ", or ".join(sorted(causes))


class Plain(Dataset):
    """A dataset without a generator of its own."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        return i


@forks
@pytest.mark.task(3)
@pytest.mark.timeout(60)
def test_datasets_without_a_generator_are_left_alone():
    loader = DataLoader(
        Plain(), batch_size=2, num_workers=1, worker_init_fn=kata.seed_worker, timeout=30
    )
    what = "DataLoader(dataset without a .generator, num_workers=1, worker_init_fn=seed_worker)"
    try:
        got = [i for batch in loader for i in batch.tolist()]
    except AttributeError as err:
        why = (
            "seed_worker assumes every dataset has .generator; a dataset without a "
            "generator is left alone (check with getattr / hasattr)."
            if "generator" in str(err)
            else "seed_worker leaves a dataset without a generator alone."
        )
        raise AssertionError(
            f"{what} failed in the worker with AttributeError: {str(err).splitlines()[0]}; "
            f"expected items [0, 1, 2, 3]. Likely mistake: {why}"
        ) from err
    if got != [0, 1, 2, 3]:
        raise AssertionError(f"{what} gave items {got}, expected [0, 1, 2, 3].")


# ----------------------------------------------------------------------------- task 4


class Noisy(Dataset):
    """(x, label, noise from the dataset's own generator, worker id) per item."""

    def __init__(self, x: torch.Tensor, labels: torch.Tensor) -> None:
        self.x, self.labels = x, labels
        self.generator = torch.Generator().manual_seed(FORKED_SEED)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int):
        info = get_worker_info()
        noise = torch.rand((), generator=self.generator, dtype=torch.float64)
        return self.x[i], self.labels[i], noise, -1 if info is None else info.id


def noisy_problem(seed: int, sizes: list[int]) -> tuple[Noisy, torch.Tensor, list[int]]:
    gen = seeded(seed)
    labels_list = [c for c, size in enumerate(sizes) for _ in range(size)]
    labels_list = [labels_list[j] for j in torch.randperm(len(labels_list), generator=gen)]
    labels = torch.tensor(labels_list)
    x = torch.randn(len(labels_list), 3, generator=gen)
    return Noisy(x, labels), labels, labels_list


def load_all(loader, what: str) -> list[tuple[torch.Tensor, ...]]:
    """Every batch, after checking pin_memory (torch warns, then fails to clean up, when it
    iterates a pinning loader without an accelerator)."""
    __tracebackhide__ = True
    if loader.pin_memory and not torch.accelerator.is_available():
        raise AssertionError(
            f"{what} has pin_memory=True on a machine without a GPU, for a CPU target. "
            f"Likely mistake: pin_memory=True always, or a device test that misreads the "
            f"target; use torch.device(device).type == 'cuda'."
        )
    return [tuple(batch) for batch in loader]


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("seed", "batch_size", "num_samples"),
    [(0, 4, None), (1, 5, 23), (2, 1, 3)],
    ids=["default-num-samples", "23-samples-last-batch-short", "batch-of-one"],
)
def test_batches_are_the_balanced_samplers_draws(seed, batch_size, num_samples, device):
    dataset, labels, labels_list = noisy_problem(seed, [12, 3, 1])
    labels_before = labels.clone()
    n = len(labels_list) if num_samples is None else num_samples
    kwargs = {} if num_samples is None else {"num_samples": num_samples}
    what = (
        f"balanced_loader(dataset of {len(dataset)} items, labels, batch_size={batch_size}, "
        f"{device.type!r}, seed={seed}{f', num_samples={num_samples}' if kwargs else ''})"
    )
    loader = kata.balanced_loader(dataset, labels, batch_size, device, seed=seed, **kwargs)
    oracle = WeightedRandomSampler(expected_weights(labels_list), n, True, generator=seeded(seed))
    order = list(oracle)
    chunks = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    batches = load_all(loader, what)
    if len(batches) != len(chunks):
        raise AssertionError(
            f"{what} gave {len(batches)} batches, expected {len(chunks)} ({n} samples in "
            f"batches of {batch_size}, the last one smaller). Likely mistake: num_samples "
            f"not passed on (its default is len(dataset)), or drop_last=True."
        )
    for b, (batch, idx) in enumerate(zip(batches, chunks, strict=True)):
        x, y = batch[0], batch[1]
        if x.device.type != "cpu":
            raise AssertionError(
                f"{what}: batch {b} is on {x.device}; batches stay on the CPU (pinned for a "
                f"CUDA target), and the training loop moves them."
            )
        assert_tensor_close(
            x,
            dataset.x[idx],
            what=f"{what}: batch {b} inputs (expected dataset indices {idx})",
            mistake="the sampler is not balanced_sampler(labels, num_samples, "
            "torch.Generator().manual_seed(seed)) (a shuffle, or another generator or seed), "
            "or one generator shared by the sampler and the DataLoader.",
        )
        assert_tensor_close(y, labels[idx], what=f"{what}: batch {b} labels")
    assert_tensor_close(labels, labels_before, what=f"{what}: the caller's labels afterwards")


def balanced_run(device, seed: int = 5) -> list[list[tuple[torch.Tensor, ...]]]:
    """Two epochs of balanced_loader(..., num_workers=2), global RNG disturbed before."""
    what = f"balanced_loader(dataset, labels, 4, {device.type!r}, seed={seed}, num_workers=2)"
    dataset, labels, _ = noisy_problem(9, [10, 5, 1])
    loader = kata.balanced_loader(dataset, labels, 4, device, seed=seed, num_workers=2)
    torch.rand(3)  # other code draws from torch's global generator meanwhile
    return [load_all(loader, what) for _ in range(2)]


@forks
@pytest.mark.task(4)
@pytest.mark.timeout(90)
def test_same_seed_gives_same_batches_with_two_workers(device):
    first, again = balanced_run(device), balanced_run(device)
    what = "balanced_loader(dataset, labels, 4, device, seed=5, num_workers=2), built twice"
    names = ("inputs", "labels", "noise from dataset.generator", "worker ids")
    for epoch in range(2):
        for b, (one, two) in enumerate(zip(first[epoch], again[epoch], strict=True)):
            for name, u, v in zip(names, one, two, strict=True):
                if torch.equal(u, v):
                    continue
                if name == names[2]:
                    why = (
                        "the DataLoader has no generator=torch.Generator().manual_seed(seed): "
                        "the workers' base seeds (and so get_worker_info().seed) then come "
                        "from torch's global generator, even though the sampler has its own."
                    )
                else:
                    why = "the sampler's generator is not seeded with `seed`."
                raise AssertionError(
                    f"{what}: epoch {epoch + 1}, batch {b} {name} differ between the two "
                    f"loaders: {u.tolist()} vs {v.tolist()}. Likely mistake: {why}"
                )
    if all(torch.equal(u[0], v[0]) for u, v in zip(first[0], first[1], strict=False)):
        raise AssertionError(f"{what}: epochs 1 and 2 gave the same batches.")
    noise = {}
    for batch in first[0]:
        for value, worker in zip(batch[2].tolist(), batch[3].tolist(), strict=True):
            noise.setdefault(worker, value)  # each worker's first draw
    if sorted(noise) == [0, 1] and noise[0] == noise[1]:
        raise AssertionError(
            f"{what}: workers 0 and 1 drew the same first noise value {noise[0]} from the "
            f"dataset's generator: every worker holds an identical copy of it. Likely "
            f"mistake: worker_init_fn=seed_worker not passed to the DataLoader."
        )


def build_for_cpu(target):
    dataset, labels, _ = noisy_problem(0, [6, 2])
    return kata.balanced_loader(dataset, labels, 4, target, seed=0)


@pytest.mark.task(4)
@pytest.mark.parametrize("target", ["cpu", torch.device("cpu")], ids=["str", "torch.device"])
def test_cpu_target_is_not_pinned(target, monkeypatch):
    what = f"balanced_loader(..., device={target!r}, seed=0)"
    loader = build_for_cpu(target)
    if loader.pin_memory:
        raise AssertionError(
            f"{what} has pin_memory=True for a CPU target: pinned memory only speeds up "
            f"copies to a GPU, and on a machine without one DataLoader warns "
            f"\"'pin_memory' argument is set as true but no accelerator is found\". Likely "
            f"mistake: pin_memory=True always; use torch.device(device).type == 'cuda'."
        )
    with monkeypatch.context() as patch:  # pretend this machine has a GPU
        patch.setattr(torch.cuda, "is_available", lambda: True)
        patch.setattr(torch.accelerator, "is_available", lambda: True)
        pretend = build_for_cpu(target)
    if pretend.pin_memory:
        raise AssertionError(
            f"{what} on a machine with a GPU has pin_memory=True, although the batches are "
            f"for the CPU. Likely mistake: pin_memory=torch.cuda.is_available(); decide "
            f"from the target device, not from what the machine has."
        )
    load_all(loader, what)  # and no warning when it runs (warnings are errors here)


@pytest.mark.task(4)
def test_labels_of_another_length_raise_value_error():
    dataset, labels, _ = noisy_problem(0, [6, 2])
    for wrong in (labels[:-1], torch.cat([labels, labels[:2]])):
        what = f"balanced_loader(dataset of {len(dataset)} items, labels of {len(wrong)}, ...)"
        try:
            kata.balanced_loader(dataset, wrong, 4, "cpu", seed=0)
        except ValueError:
            continue
        raise AssertionError(
            f"{what} did not raise ValueError. Likely mistake: no check that there is one "
            f"label per item: shorter labels never draw the last items, longer ones draw "
            f"indices past the end of the dataset."
        )


@forks
@pytest.mark.cuda
@pytest.mark.task(4)
@pytest.mark.timeout(90)
@pytest.mark.parametrize("num_workers", [0, 2])
def test_cuda_target_gets_pinned_batches(num_workers, device):
    dataset, labels, _ = noisy_problem(1, [8, 3, 1])
    for target in (device, "cuda", "cuda:0"):
        what = f"balanced_loader(..., device={target!r}, seed=1, num_workers={num_workers})"
        loader = kata.balanced_loader(dataset, labels, 4, target, seed=1, num_workers=num_workers)
        if not loader.pin_memory:
            raise AssertionError(
                f"{what} has pin_memory=False for a CUDA target. Likely mistake: comparing "
                f"the device with == 'cuda' (fails for 'cuda:0'); use "
                f"torch.device(device).type == 'cuda'."
            )
        x, y = next(iter(loader))[:2]
        if not (x.is_pinned() and y.is_pinned()):
            raise AssertionError(f"{what}: a batch is not in pinned memory.")
        on_gpu = x.to(device, non_blocking=True)
        torch.cuda.synchronize()
        assert_tensor_close(on_gpu.cpu(), x, what=f"{what}: a batch copied with non_blocking=True")
