"""Tests for kata 29: reproducible runs, checked by running things twice: seeds, the
deterministic-algorithms switch (global state, restored after every test) and a DataLoader
with two workers."""

import multiprocessing
import os
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, get_worker_info

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


INSIDE = {
    "use_deterministic_algorithms": True,
    "warn_only": False,
    "cudnn.deterministic": True,
    "cudnn.benchmark": False,
    CUBLAS: ":4096:8",
}
DEFAULTS = {
    "use_deterministic_algorithms": False,
    "warn_only": False,
    "cudnn.deterministic": False,
    "cudnn.benchmark": False,
    CUBLAS: None,
}


# ----------------------------------------------------------------------------- task 1


def draws(device):
    return (
        random.random(),
        float(np.random.rand()),
        torch.rand(3).tolist(),
        torch.randn(3, device=device).tolist(),
    )


def call_seed_everything(seed):
    __tracebackhide__ = True
    try:
        kata.seed_everything(seed)
    except ValueError as err:
        if "2**32" not in str(err) and "2 ** 32" not in str(err):
            raise
        raise AssertionError(
            f"seed_everything({seed}) raised ValueError: {err}. Likely mistake: NumPy takes "
            f"seeds below 2**32 only; seed it with seed % 2**32 (random and torch take any int)."
        ) from err


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", [0, 7, 2**33 + 5])
def test_seed_everything_repeats_every_generator(seed, device):
    call_seed_everything(seed)
    first = draws(device)
    random.random(), np.random.rand(), torch.rand(5)  # move every generator on
    call_seed_everything(seed)
    second = draws(device)
    names = ["random.random()", "np.random.rand()", "torch.rand(3)", f"torch.randn on {device}"]
    for name, a, b in zip(names, first, second, strict=True):
        if a != b:
            raise AssertionError(
                f"after seed_everything({seed}) twice, {name} gave {a} then {b}. Likely mistake: "
                f"that generator is not seeded, or seeded from a value that changes (the "
                f"time); random.seed, np.random.seed and torch.manual_seed are three separate "
                f"generators, each seeded with seed."
            )
    call_seed_everything(seed + 1)
    other = draws(device)
    same = [n for n, a, b in zip(names, first, other, strict=True) if a == b]
    if same:
        raise AssertionError(
            f"seed_everything({seed}) and ({seed + 1}) give the same {same}. Likely mistake: "
            f"that generator seeded with a constant instead of seed."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", [3, 2**32 + 9, 2**40 + 2**32 - 1])
def test_seed_everything_seeds_with_the_documented_values(seed):
    """random and torch with seed itself, NumPy with seed % 2**32 (the documented values)."""
    call_seed_everything(seed)
    got = {
        "random.random()": random.random(),
        "np.random.rand()": float(np.random.rand()),
        "torch.rand(())": float(torch.rand(())),
    }
    expected = {
        "random.random()": random.Random(seed).random(),
        "np.random.rand()": float(np.random.RandomState(seed % 2**32).rand()),
        "torch.rand(())": float(torch.rand((), generator=torch.Generator().manual_seed(seed))),
    }
    for name in got:
        if got[name] != expected[name]:
            draw = {
                "random.random()": random.random,
                "np.random.rand()": np.random.rand,
                "torch.rand(())": lambda: float(torch.rand(())),
            }[name]
            repeats = []
            for _ in range(2):  # a second check: is that generator seeded at all?
                call_seed_everything(seed)
                repeats.append(float(draw()))
            numpy = name.startswith("np.")
            if repeats[0] != repeats[1]:
                owner = {"random.random()": "random", "np.random.rand()": "NumPy"}
                hint = f"{owner.get(name, 'torch')}'s generator not seeded at all."
            elif numpy:
                hint = (
                    "NumPy seeded with another reduction of the seed (seed % (2**32 - 1), "
                    "seed & 0xFFFF...); the docstring says seed % 2**32."
                )
            else:
                hint = "that generator seeded with something other than seed itself."
            raise AssertionError(
                f"after seed_everything({seed}), {name} gave {got[name]}, expected "
                f"{expected[name]} (the value after "
                + (f"np.random.seed({seed} % 2**32)" if numpy else f"seeding with {seed}")
                + f"). Likely mistake: {hint}"
            )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
def test_deterministic_mode_inside(device):
    with kata.deterministic_mode():
        inside = settings()
        # a visible effect on any device: uninitialized memory is filled (NaN for floats)
        empty = torch.empty(16, device=device)
    wrong = {k: v for k, v in inside.items() if v != INSIDE[k]}
    if wrong:
        why = {
            "use_deterministic_algorithms": "torch.use_deterministic_algorithms(True) not called",
            "warn_only": "warn_only=True only warns where it should raise",
            "cudnn.deterministic": "torch.backends.cudnn.deterministic not set to True",
            "cudnn.benchmark": "cudnn.benchmark=True lets cuDNN pick kernels per run",
            CUBLAS: f"os.environ[{CUBLAS!r}] not set to ':4096:8' (cuBLAS needs it)",
        }
        raise AssertionError(
            f"inside deterministic_mode(), these settings are wrong: {wrong}; expected "
            f"{INSIDE}. Likely mistake: {'; '.join(why[k] for k in wrong)}."
        )
    if not torch.isnan(empty).all():
        raise AssertionError(
            "torch.empty inside deterministic_mode() was not NaN-filled: deterministic "
            "algorithms are not switched on (torch.use_deterministic_algorithms(True))."
        )


def check_restored(before, after, what):
    """Every setting as the caller had it; the message says which were not, and how."""
    __tracebackhide__ = True
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    if not changed:
        return
    if after == INSIDE:
        hint = "nothing restored on exit: save the settings first, put them back in finally."
    elif list(changed) == [CUBLAS] and before[CUBLAS] is None and after[CUBLAS] == "":
        hint = (
            f"the absent variable saved as os.environ.get({CUBLAS!r}, '') and put back as an "
            f"empty string: an empty string is not the absence; pop the variable when it "
            f"was absent before the block."
        )
    elif list(changed) == ["warn_only"]:
        hint = (
            "torch.use_deterministic_algorithms(enabled) restored without warn_only=: pass "
            "warn_only=the saved torch.is_deterministic_algorithms_warn_only_enabled()."
        )
    elif all(after[k] == DEFAULTS[k] for k in changed):
        hint = (
            "defaults set instead of the caller's values: restore what you saved before "
            "the block, not False/None."
        )
    else:
        hint = f"{', '.join(changed)} not saved before the block and put back after it."
    raise AssertionError(
        f"{what} did not restore the previous settings; (before, after): {changed}. Likely "
        f"mistake: {hint} These are global: a test suite or a library that switches them "
        f"must put back what it found."
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("outer", ["defaults", "already warn_only", "cudnn set", "cublas set"])
def test_deterministic_mode_restores_previous_settings(outer):
    if outer == "already warn_only":
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = True
    elif outer == "cudnn set":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = True
    elif outer == "cublas set":
        os.environ[CUBLAS] = ":16:8"
    else:
        os.environ.pop(CUBLAS, None)
    before = settings()
    what = f"deterministic_mode() ({outer} before the block)"
    try:
        with kata.deterministic_mode():
            pass
    except TypeError as err:
        if before[CUBLAS] is not None or "NoneType" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised TypeError on exit: {err}. Likely mistake: the absent variable "
            f"{CUBLAS} restored with os.environ[...] = None (os.environ holds strings only); "
            f"when it was absent before the block, os.environ.pop({CUBLAS!r}, None)."
        ) from err
    check_restored(before, settings(), what)


@pytest.mark.task(2)
def test_deterministic_mode_restores_after_an_exception():
    torch.backends.cudnn.benchmark = True  # a caller's own setting, to be put back
    before = settings()
    error = KeyError("boom")
    try:
        with kata.deterministic_mode():
            raise error
    except KeyError as err:
        if err is not error:
            raise
    else:
        raise AssertionError(
            "a KeyError raised inside `with deterministic_mode():` did not come out of the "
            "block: deterministic_mode swallowed it. Likely mistake: except around the yield "
            "(or a return in finally); restore in try/finally and let the exception propagate."
        )
    after = settings()
    if after != before:
        if after == INSIDE:
            raise AssertionError(
                "after an exception inside deterministic_mode(), the settings were not "
                f"restored: {after}. Likely mistake: the restoring code is after the yield but "
                "not in a finally block."
            )
        check_restored(before, after, "deterministic_mode() left by an exception")


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", [3, 2**32 + 9])
def test_seed_worker_in_the_main_process(seed):
    torch.manual_seed(seed)
    torch.rand(4)  # the generator moved on from its seed
    torch_state = torch.get_rng_state()
    try:
        kata.seed_worker(0)
    except ValueError as err:
        if "2**32" not in str(err) and "2 ** 32" not in str(err):
            raise
        raise AssertionError(
            f"seed_worker(0) after torch.manual_seed({seed}) raised ValueError: {err}. Likely "
            f"mistake: np.random.seed(torch.initial_seed()); NumPy takes seeds below 2**32 "
            f"only, and a DataLoader's base seed is a 64-bit number: torch.initial_seed() % "
            f"2**32."
        ) from err
    if not torch.equal(torch.get_rng_state(), torch_state):
        raise AssertionError(
            "seed_worker(0) outside a worker changed torch's global generator. Likely "
            "mistake: torch.manual_seed(...) inside seed_worker; a worker's torch generator is "
            "already seeded by the DataLoader (torch.initial_seed() is its seed), and only "
            "random and NumPy need seeding."
        )
    got = (random.random(), float(np.random.rand()))
    expected = (random.Random(seed % 2**32).random(), np.random.RandomState(seed % 2**32).rand())
    if got != expected:
        from_id = (random.Random(0).random(), np.random.RandomState(0).rand())
        hint = (
            "seeding from worker_id (0 here) instead of torch.initial_seed()."
            if got == from_id
            else "random and NumPy seeded with something other than torch.initial_seed() % 2**32."
        )
        raise AssertionError(
            f"after torch.manual_seed({seed}) and seed_worker(0), (random.random(), "
            f"np.random.rand()) gave {got}, expected {expected}: both seeded with "
            f"torch.initial_seed() % 2**32. Likely mistake: {hint}"
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


def fork_context():
    """DataLoader workers as forked copies, asked for explicitly.

    The default start method is forkserver on Linux from Python 3.14 and spawn on macOS and
    Windows: those pickle the dataset and worker_init_fn and import them again by module
    name, which neither this test file's Augmented nor the kata's module (both loaded from
    their paths) can be. Forked workers inherit them, as on Linux up to Python 3.13.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("these DataLoader tests need the fork start method (not on Windows)")
    return multiprocessing.get_context("fork")


# the workers are forked on purpose; Python 3.12+ warns when a multi-threaded process forks
forks = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")


LAST = {}  # the loader epochs() made last: a failing test reads its settings


def epochs(seed, n_epochs=2, draws_before=0):
    """Batches of make_loader(Augmented(), 4, seed), per epoch."""
    loader = kata.make_loader(Augmented(), 4, seed, num_workers=2)
    if not isinstance(loader, DataLoader):
        raise AssertionError(
            f"make_loader(...) returned {type(loader).__name__}, expected a DataLoader."
        )
    LAST["loader"] = loader
    loader.multiprocessing_context = fork_context()  # the test's choice, see fork_context
    torch.rand(draws_before)  # other code drawing from the global generator
    return [list(loader) for _ in range(n_epochs)]


def per_worker(batches, key):
    values = {}
    for b in batches:
        for w, v in zip(b["worker"].tolist(), b[key].tolist(), strict=True):
            values.setdefault(w, []).append(v)
    return values


@forks
@pytest.mark.task(3)
def test_workers_draw_different_numbers():
    (batches,) = epochs(0, n_epochs=1)
    workers = per_worker(batches, "rng")
    if sorted(workers) != [0, 1]:
        raise AssertionError(
            f"make_loader(..., num_workers=2) produced items in workers {sorted(workers)}, "
            f"expected 0 and 1."
        )
    for key in ("numpy", "random", "torch", "rng"):
        values = per_worker(batches, key)
        if values[0][0] == values[1][0]:
            if key == "rng" and LAST["loader"].worker_init_fn is None:
                hint = (
                    "make_loader passes no worker_init_fn=seed_worker to the DataLoader, so "
                    "nothing replaces the dataset's rng: every worker holds an identical copy "
                    "of it."
                )
            elif key == "rng":
                hint = (
                    "seed_worker leaves the dataset's rng as it was: every worker holds an "
                    "identical copy of it; replace get_worker_info().dataset.rng with "
                    "np.random.default_rng(torch.initial_seed())."
                )
            else:
                hint = (
                    "seed_worker seeds each worker with the same constant (the DataLoader "
                    "already gives each worker its own seed: torch.initial_seed())."
                )
            raise AssertionError(
                f"workers 0 and 1 drew the same random numbers in every worker from {key!r} "
                f"(first draw {values[0][0]}). Likely mistake: {hint}"
            )


@forks
@pytest.mark.task(3)
def test_each_epoch_draws_new_numbers():
    first, second = epochs(0)
    for key in ("numpy", "random", "rng"):
        a = sorted(v for b in first for v in b[key].tolist())
        b = sorted(v for b in second for v in b[key].tolist())
        if set(a) & set(b):
            hint = "seed_worker seeds from worker_id alone (or a constant)"
            if key == "rng":
                hint += ", or leaves the dataset's rng as it was (each epoch's workers get a "
                hint += "fresh copy of it)"
            raise AssertionError(
                f"epochs 1 and 2 drew the same {key!r} numbers: every epoch repeats the same "
                f"augmentations. Likely mistake: {hint}; torch.initial_seed() differs per "
                f"epoch, so seed from it."
            )


# ----------------------------------------------------------------------------- task 4


def train(seed, device, draws_before):
    """Seed, build a model, train two epochs on make_loader's batches (and the loader)."""
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
    return batches, losses, LAST["loader"]


@forks
@pytest.mark.task(4)
def test_two_runs_give_identical_batches_and_losses(device):
    batches_a, losses_a, _ = train(5, device, draws_before=0)
    batches_b, losses_b, loader = train(5, device, draws_before=3)  # others drew from torch's
    for i, (a, b) in enumerate(zip(batches_a, batches_b, strict=True)):
        if not torch.equal(a["index"], b["index"]):
            hint = (
                "no generator= for the DataLoader, so the order depends on torch's global "
                "generator, which other code also uses; pass "
                "generator=torch.Generator().manual_seed(seed)."
                if loader.generator is None
                else "the loader's generator seeded from something other than seed (torch's "
                "global generator?): torch.Generator().manual_seed(seed)."
            )
            raise AssertionError(
                f"two runs with seed 5 shuffled differently: batch {i} is {a['index'].tolist()} "
                f"then {b['index'].tolist()}. Likely mistake: {hint}"
            )
        differ = [k for k in ("rng", "numpy", "random", "torch") if not torch.equal(a[k], b[k])]
        if differ == ["rng"]:
            raise AssertionError(
                f"two runs with seed 5 drew different 'rng' numbers (the dataset's NumPy "
                f"Generator) in batch {i}: {a['rng'].tolist()} vs {b['rng'].tolist()}, while "
                f"NumPy's, Python's and torch's global draws repeat. Likely mistake: the "
                f"dataset's rng replaced with np.random.default_rng() without a seed (fresh OS "
                f"entropy every time): np.random.default_rng(torch.initial_seed())."
            )
        if differ:
            key = differ[0]
            raise AssertionError(
                f"two runs with seed 5 drew different {key!r} numbers in batch {i}: "
                f"{a[key].tolist()} vs {b[key].tolist()}. Likely mistake: the workers' "
                f"seeds come from the global generator (no generator= for the DataLoader), "
                f"or seed_worker does not seed from torch.initial_seed()."
            )
    if losses_a != losses_b:
        raise AssertionError(f"two runs with seed 5 gave losses {losses_a} and {losses_b}.")


@forks
@pytest.mark.task(4)
def test_another_seed_gives_another_order():
    orders = [[b["index"].tolist() for b in epochs(seed, n_epochs=1)[0]] for seed in (1, 2)]
    if orders[0] == orders[1]:
        raise AssertionError(
            f"make_loader with seeds 1 and 2 gave the same order {orders[0]}. Likely mistake: "
            f"torch.Generator() without .manual_seed(seed): every unseeded generator starts "
            f"from the same default seed; or a generator seeded with a constant."
        )


@pytest.mark.task(4)
def test_make_loader_leaves_the_global_generators_alone():
    """Making the loader changes no global state: the caller's random numbers stay theirs."""
    random.seed(11), np.random.seed(11), torch.manual_seed(11)
    before = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state())
    kata.make_loader(Augmented(), 4, seed=3, num_workers=2)
    after = (random.getstate(), np.random.get_state()[1], torch.get_rng_state())
    changed = [
        name
        for name, same in zip(
            ("random", "NumPy", "torch"),
            (
                before[0] == after[0],
                np.array_equal(before[1], after[1]),
                torch.equal(before[2], after[2]),
            ),
            strict=True,
        )
        if not same
    ]
    if changed:
        raise AssertionError(
            f"make_loader(dataset, 4, seed=3) changed the global generator(s) of "
            f"{', '.join(changed)}. Likely mistake: seeding globally inside make_loader "
            f"(seed_everything or torch.manual_seed); the loader's own "
            f"torch.Generator().manual_seed(seed) is all it needs, and the caller's random "
            f"numbers stay the caller's."
        )


@pytest.mark.task(4)
@pytest.mark.parametrize("num_workers", [0, 1])
def test_make_loader_order_depends_on_the_seed_only(num_workers):
    """The same order for any num_workers (the loader's generator decides it), in batches of
    batch_size, every index once per epoch."""
    loaders = {}
    for workers in (num_workers, 2):
        loader = kata.make_loader(Augmented(10), 4, seed=8, num_workers=workers)
        if not isinstance(loader, DataLoader):
            raise AssertionError(
                f"make_loader(...) returned {type(loader).__name__}, expected a DataLoader."
            )
        if loader.num_workers != workers or loader.batch_size != 4:
            raise AssertionError(
                f"make_loader(dataset, 4, seed=8, num_workers={workers}) made a DataLoader with "
                f"num_workers={loader.num_workers}, batch_size={loader.batch_size}. Likely "
                f"mistake: num_workers or batch_size fixed instead of passed on."
            )
        loaders[workers] = loader
    # the order is drawn in this process; the workers only fetch the items
    orders = {w: list(loader.batch_sampler) for w, loader in loaders.items()}
    sizes = [len(b) for b in orders[num_workers]]
    indices = sorted(i for b in orders[num_workers] for i in b)
    if sizes != [4, 4, 2] or indices != list(range(10)):
        raise AssertionError(
            f"make_loader(10 items, batch_size=4, ...) batches {orders[num_workers]}: expected "
            f"batches of 4, 4 and 2 holding every index once (shuffle=True, a permutation)."
        )
    if orders[num_workers] != orders[2]:
        hint = (
            "no generator= for the DataLoader: the order comes from torch's global generator."
            if loaders[2].generator is None
            else "the order drawn from something other than the loader's own generator "
            "seeded with seed."
        )
        raise AssertionError(
            f"make_loader with seed 8 shuffled differently with num_workers={num_workers} "
            f"({orders[num_workers]}) and 2 ({orders[2]}). Likely mistake: {hint}"
        )
