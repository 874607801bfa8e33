"""Tests for kata 29: reproducible runs, checked by running things twice: seeds, the
deterministic-algorithms switch (global state, restored after every test) and a DataLoader
with two workers."""

import os
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset, get_worker_info

from torchkatas.harness import load_kata

kata = load_kata(__file__)

CUBLAS = "CUBLAS_WORKSPACE_CONFIG"


@pytest.fixture(autouse=True)
def restore_global_state():
    """Every setting and generator these tests (or a wrong answer) may change, put back."""
    flags = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
    )
    cublas = os.environ.get(CUBLAS)
    rngs = (random.getstate(), np.random.get_state(), torch.get_rng_state())
    cuda_rngs = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    yield
    now = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
    )
    if now != flags[:2]:  # the setter is slow on its first call: only when needed
        torch.use_deterministic_algorithms(flags[0], warn_only=flags[1])
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = flags[2:]
    if cublas is None:
        os.environ.pop(CUBLAS, None)
    else:
        os.environ[CUBLAS] = cublas
    random.setstate(rngs[0])
    np.random.set_state(rngs[1])
    torch.set_rng_state(rngs[2])
    if cuda_rngs is not None:
        torch.cuda.set_rng_state_all(cuda_rngs)


def settings():
    return {
        "use_deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "warn_only": torch.is_deterministic_algorithms_warn_only_enabled(),
        "cudnn.deterministic": torch.backends.cudnn.deterministic,
        "cudnn.benchmark": torch.backends.cudnn.benchmark,
        CUBLAS: os.environ.get(CUBLAS),
    }


# ----------------------------------------------------------------------------- task 1


def draws(device):
    return (
        random.random(),
        float(np.random.rand()),
        torch.rand(3).tolist(),
        torch.randn(3, device=device).tolist(),
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", [0, 7, 2**33 + 5])
def test_seed_everything_repeats_every_generator(seed, device):
    kata.seed_everything(seed)
    first = draws(device)
    random.random(), np.random.rand(), torch.rand(5)  # move every generator on
    kata.seed_everything(seed)
    second = draws(device)
    names = ["random.random()", "np.random.rand()", "torch.rand(3)", f"torch.randn on {device}"]
    for name, a, b in zip(names, first, second, strict=True):
        if a != b:
            raise AssertionError(
                f"after seed_everything({seed}) twice, {name} gave {a} then {b}. Likely mistake: "
                f"that generator is not seeded (random.seed, np.random.seed and "
                f"torch.manual_seed are three separate generators; numpy needs a seed below "
                f"2**32)."
            )
    kata.seed_everything(seed + 1)
    other = draws(device)
    same = [n for n, a, b in zip(names, first, other, strict=True) if a == b]
    if same:
        raise AssertionError(f"seed_everything({seed}) and ({seed + 1}) give the same {same}.")


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
def test_deterministic_mode_inside(device):
    with kata.deterministic_mode():
        inside = settings()
        # a visible effect on any device: uninitialized memory is filled (NaN for floats)
        empty = torch.empty(16, device=device)
    expected = {
        "use_deterministic_algorithms": True,
        "warn_only": False,
        "cudnn.deterministic": True,
        "cudnn.benchmark": False,
        CUBLAS: ":4096:8",
    }
    wrong = {k: v for k, v in inside.items() if v != expected[k]}
    if wrong:
        raise AssertionError(
            f"inside deterministic_mode(), these settings are wrong: {wrong}; expected "
            f"{expected}. Likely mistake: torch.use_deterministic_algorithms(True, "
            f"warn_only=True) only warns; cudnn.benchmark=True lets cuDNN pick kernels per run."
        )
    if not torch.isnan(empty).all():
        raise AssertionError(
            "torch.empty inside deterministic_mode() was not NaN-filled: deterministic "
            "algorithms are not switched on (torch.use_deterministic_algorithms(True))."
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("outer", ["defaults", "already warn_only", "cublas set"])
def test_deterministic_mode_restores_previous_settings(outer):
    if outer == "already warn_only":
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = True
    elif outer == "cublas set":
        os.environ[CUBLAS] = ":16:8"
    else:
        os.environ.pop(CUBLAS, None)
    before = settings()
    with kata.deterministic_mode():
        pass
    after = settings()
    if after != before:
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        raise AssertionError(
            f"deterministic_mode() ({outer} before the block) did not restore the previous "
            f"settings; (before, after): {changed}. Likely mistake: nothing restored on exit, "
            f"or defaults set instead of the caller's values. These are global: a test suite "
            f"or a library that switches them must put back what it found."
        )


@pytest.mark.task(2)
def test_deterministic_mode_restores_after_an_exception():
    before = settings()
    with pytest.raises(KeyError), kata.deterministic_mode():
        raise KeyError("boom")
    if settings() != before:
        raise AssertionError(
            "after an exception inside deterministic_mode(), the settings were not restored. "
            "Likely mistake: the restoring code is after the yield but not in a finally block."
        )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", [3, 2**32 + 9])
def test_seed_worker_in_the_main_process(seed):
    torch.manual_seed(seed)
    kata.seed_worker(0)
    got = (random.random(), float(np.random.rand()))
    expected = (random.Random(seed % 2**32).random(), np.random.RandomState(seed % 2**32).rand())
    if got != expected:
        raise AssertionError(
            f"after torch.manual_seed({seed}) and seed_worker(0), (random.random(), "
            f"np.random.rand()) gave {got}, expected {expected}: both seeded with "
            f"torch.initial_seed() % 2**32."
        )


class Augmented(Dataset):
    """Items with random "augmentation" from four sources, and the worker that made them."""

    def __init__(self, n=16):
        self.n = n
        self.rng = np.random.default_rng(0)  # copied into every worker: the classic trap

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        return {
            "index": i,
            "worker": -1 if info is None else info.id,
            "rng": float(self.rng.normal()),
            "numpy": float(np.random.rand()),
            "random": random.random(),
            "torch": float(torch.rand(())),
        }


def epochs(seed, n_epochs=2, draws_before=0):
    """Batches of make_loader(Augmented(), 4, seed), per epoch."""
    loader = kata.make_loader(Augmented(), 4, seed, num_workers=2)
    torch.rand(draws_before)  # other code drawing from the global generator
    return [list(loader) for _ in range(n_epochs)]


def per_worker(batches, key):
    values = {}
    for b in batches:
        for w, v in zip(b["worker"].tolist(), b[key].tolist(), strict=True):
            values.setdefault(w, []).append(v)
    return values


@pytest.mark.task(3)
def test_workers_draw_different_numbers():
    (batches,) = epochs(0, n_epochs=1)
    workers = per_worker(batches, "rng")
    if sorted(workers) != [0, 1]:
        raise AssertionError(
            f"make_loader(..., num_workers=2) produced items in workers {sorted(workers)}, "
            f"expected 0 and 1."
        )
    for key in ("rng", "numpy", "random", "torch"):
        values = per_worker(batches, key)
        if values[0][0] == values[1][0]:
            raise AssertionError(
                f"workers 0 and 1 drew the same random numbers in every worker from {key!r} "
                f"(first draw {values[0][0]}). Likely mistake: seed_worker seeds each worker "
                f"with the same constant, or leaves the dataset's own rng, which every worker "
                f"inherits as an identical copy; seed from torch.initial_seed()."
            )


@pytest.mark.task(3)
def test_each_epoch_draws_new_numbers():
    first, second = epochs(0)
    for key in ("rng", "numpy"):
        a = sorted(v for b in first for v in b[key].tolist())
        b = sorted(v for b in second for v in b[key].tolist())
        if set(a) & set(b):
            raise AssertionError(
                f"epochs 1 and 2 drew the same {key!r} numbers: every epoch repeats the same "
                f"augmentations. Likely mistake: seed_worker seeds from worker_id alone, or "
                f"leaves the dataset's rng as forked; torch.initial_seed() differs per epoch."
            )


# ----------------------------------------------------------------------------- task 4


def train(seed, device, draws_before):
    """Seed, build a model, train two epochs on make_loader's batches."""
    kata.seed_everything(seed)
    model = nn.Linear(3, 1).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = []
    losses = []
    for epoch in epochs(seed, draws_before=draws_before):
        for b in epoch:
            x = torch.stack([b["index"] / 16, b["rng"], b["torch"]], 1).float().to(device)
            y = (b["numpy"] + b["random"]).float().to(device)
            loss = F.mse_loss(model(x).squeeze(1), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batches.append(b)
            losses.append(loss.item())
    return batches, losses


@pytest.mark.task(4)
def test_two_runs_give_identical_batches_and_losses(device):
    batches_a, losses_a = train(5, device, draws_before=0)
    batches_b, losses_b = train(5, device, draws_before=3)  # others drew from torch's RNG
    for i, (a, b) in enumerate(zip(batches_a, batches_b, strict=True)):
        if not torch.equal(a["index"], b["index"]):
            raise AssertionError(
                f"two runs with seed 5 shuffled differently: batch {i} is {a['index'].tolist()} "
                f"then {b['index'].tolist()}. Likely mistake: no generator= for the DataLoader, "
                f"so the order depends on torch's global generator, which other code also uses; "
                f"pass generator=torch.Generator().manual_seed(seed)."
            )
        for key in ("rng", "numpy", "random", "torch"):
            if not torch.equal(a[key], b[key]):
                raise AssertionError(
                    f"two runs with seed 5 drew different {key!r} numbers in batch {i}: "
                    f"{a[key].tolist()} vs {b[key].tolist()}. Likely mistake: the workers' "
                    f"seeds come from the global generator (no generator= for the DataLoader), "
                    f"or seed_worker does not seed from torch.initial_seed()."
                )
    if losses_a != losses_b:
        raise AssertionError(f"two runs with seed 5 gave losses {losses_a} and {losses_b}.")


@pytest.mark.task(4)
def test_another_seed_gives_another_order():
    orders = [[b["index"].tolist() for b in epochs(seed, n_epochs=1)[0]] for seed in (1, 2)]
    if orders[0] == orders[1]:
        raise AssertionError(
            f"make_loader with seeds 1 and 2 gave the same order {orders[0]}. Likely mistake: "
            f"torch.Generator() without .manual_seed(seed): every unseeded generator starts "
            f"from the same default seed."
        )
