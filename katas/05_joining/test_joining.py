"""Tests for kata 05: cat/stack, split/chunk/narrow views, gather and scatter_."""

import pytest
import torch

from torchkatas.harness import assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)


def shares_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def sizes_of(gen: torch.Generator, n: int, low: int = 1, high: int = 5) -> list[int]:
    return torch.randint(low, high, (n,), generator=gen).tolist()


def check_is_view(piece: torch.Tensor, x: torch.Tensor, what: str, how: str) -> None:
    __tracebackhide__ = True
    if not shares_storage(piece, x):
        raise AssertionError(
            f"{what} returned a copy, expected a view sharing x's storage. Likely mistake: "
            f".clone(), .contiguous() or torch.tensor(...) on the piece; {how} returns views."
        )


def check_is_copy(result: torch.Tensor, inputs: list[torch.Tensor], what: str) -> None:
    __tracebackhide__ = True
    if any(shares_storage(result, t) for t in inputs):
        raise AssertionError(
            f"{what} returned a tensor sharing an input's storage; expected a copy."
        )


def check_raises_value_error(call, what: str, mistake: str) -> None:
    __tracebackhide__ = True
    try:
        got = call()
    except ValueError:
        return
    except NotImplementedError:
        raise
    except (RuntimeError, IndexError) as err:
        raise AssertionError(
            f"{what} raised {type(err).__name__} ({err}), expected ValueError. Likely mistake: "
            f"{mistake}"
        ) from err
    shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
    raise AssertionError(f"{what} returned {shape}, expected ValueError. Likely mistake: {mistake}")


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_stack_samples_adds_a_batch_dimension(seed, device):
    gen = torch.Generator().manual_seed(seed)
    b, c, length = sizes_of(gen, 3)
    samples = [torch.randn(c, length + 1, generator=gen).to(device) for _ in range(b)]
    expected = torch.empty(b, c, length + 1, device=device)
    for i, s in enumerate(samples):
        expected[i] = s
    what = f"stack_samples(samples) for {b} samples of shape ({c}, {length + 1})"
    got = kata.stack_samples(samples)
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="torch.cat joins along an existing dimension, giving (B*C, L); torch.stack "
        "adds the new batch dimension.",
    )
    check_is_copy(got, samples, what)


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_concat_batches_joins_unequal_batches(seed, device):
    gen = torch.Generator().manual_seed(seed)
    sizes = sizes_of(gen, int(torch.randint(1, 5, (1,), generator=gen)))
    d = sizes_of(gen, 1)[0]
    batches = [torch.randn(s, d, 2, generator=gen).to(device) for s in sizes]
    expected = torch.empty(sum(sizes), d, 2, device=device)
    row = 0
    for batch in batches:
        for r in batch:
            expected[row] = r
            row += 1
    what = f"concat_batches(batches) for batch sizes {sizes}, rows of shape ({d}, 2)"
    try:
        got = kata.concat_batches(batches)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: torch.stack needs equal "
            f"shapes and adds a dimension; torch.cat joins along dim 0."
        ) from err
    assert_tensor_close(got, expected, what=what, mistake="joined along the wrong dimension.")
    check_is_copy(got, batches, what)
    got[0].fill_(123.0)
    if (batches[0][0] == 123.0).all():
        raise AssertionError(f"{what}: writing to the result changed the first batch.")


@pytest.mark.task(1)
def test_empty_lists_raise_value_error(device):
    check_raises_value_error(
        lambda: kata.stack_samples([]), "stack_samples([])", "no check for an empty list."
    )
    check_raises_value_error(
        lambda: kata.concat_batches([]), "concat_batches([])", "no check for an empty list."
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_split_by_sizes_returns_views(seed, device):
    gen = torch.Generator().manual_seed(seed)
    sizes = sizes_of(gen, int(torch.randint(1, 6, (1,), generator=gen)), low=0)
    x = torch.randn(sum(sizes), 3, generator=gen).to(device)
    what = f"split_by_sizes(x, {sizes}) for x of shape {tuple(x.shape)}"
    got = kata.split_by_sizes(x, sizes)
    if not isinstance(got, tuple | list) or len(got) != len(sizes):
        raise AssertionError(
            f"{what} returned {len(got) if isinstance(got, tuple | list) else got!r} pieces, "
            f"expected {len(sizes)}. Likely mistake: torch.chunk(x, k) cuts into k nearly equal "
            f"pieces; torch.split(x, sizes) uses the sizes given."
        )
    start = 0
    for k, (piece, size) in enumerate(zip(got, sizes, strict=True)):
        assert_tensor_close(
            piece,
            x[start : start + size],
            what=f"piece {k} of {what}",
            mistake="equal chunks instead of the given sizes.",
        )
        if size:
            check_is_view(piece, x, f"piece {k} of {what}", "torch.split")
        start += size
    if sizes[0]:
        got[0][0, 0] = 1e6  # a write through the first view shows in x
        if x[0, 0].item() != 1e6:
            raise AssertionError(f"{what}: a write to the first piece did not show in x.")


@pytest.mark.task(2)
def test_split_by_sizes_rejects_wrong_total(device):
    x = torch.randn(5, 2, device=device)
    check_raises_value_error(
        lambda: kata.split_by_sizes(x, [2, 2]),
        "split_by_sizes(x, [2, 2]) for x with 5 rows",
        "no check that the sizes sum to x.shape[0].",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_halves_splits_last_dimension_as_views(seed, device):
    gen = torch.Generator().manual_seed(seed)
    shape = sizes_of(gen, int(torch.randint(1, 4, (1,), generator=gen)))
    h = shape[-1]
    x = torch.randn(*shape[:-1], 2 * h, generator=gen).to(device)
    what = f"halves(x) for x of shape {tuple(x.shape)}"
    got = kata.halves(x)
    if not isinstance(got, tuple | list) or len(got) != 2:
        raise AssertionError(f"{what} should return two tensors, got {got!r:.80}.")
    for name, piece, expected in [("first", got[0], x[..., :h]), ("second", got[1], x[..., h:])]:
        assert_tensor_close(
            piece,
            expected,
            what=f"the {name} half from {what}",
            mistake="chunking along dim 0 instead of the last dimension (dim=-1).",
        )
        check_is_view(piece, x, f"the {name} half from {what}", "torch.chunk")


@pytest.mark.task(2)
def test_halves_rejects_odd_last_dimension(device):
    x = torch.randn(2, 5, device=device)
    check_raises_value_error(
        lambda: kata.halves(x),
        "halves(x) for x of shape (2, 5)",
        "torch.chunk gives unequal pieces for an odd size; check it first.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(5))
def test_crop_time_is_a_view_of_the_right_steps(seed, device):
    gen = torch.Generator().manual_seed(seed)
    b, d = sizes_of(gen, 2)
    t = int(torch.randint(4, 12, (1,), generator=gen))
    start = int(torch.randint(1, t - 1, (1,), generator=gen))
    length = int(torch.randint(1, t - start + 1, (1,), generator=gen))
    x = torch.randn(b, t, d, generator=gen).to(device)
    what = f"crop_time(x, start={start}, length={length}) for x of shape {tuple(x.shape)}"
    got = kata.crop_time(x, start, length)
    expected = torch.stack([x[:, start + i] for i in range(length)], dim=1)
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="x[:, start:length] treats length as the end index; the end is start + length.",
    )
    check_is_view(got, x, what, "torch.narrow (or a basic slice)")


@pytest.mark.task(3)
@pytest.mark.parametrize("start, length", [(3, 4), (-1, 2), (0, 7), (6, 1)])
def test_crop_time_rejects_out_of_range(start, length, device):
    x = torch.randn(2, 6, 3, device=device)
    check_raises_value_error(
        lambda: kata.crop_time(x, start, length),
        f"crop_time(x, start={start}, length={length}) for T = 6",
        "no range check: slicing silently returns fewer steps (or counts from the end).",
    )


# ----------------------------------------------------------------------------- task 4


def _pick(logits, targets, what):
    __tracebackhide__ = True
    try:
        return kata.pick(logits, targets)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: gather needs an index with as "
            f"many dimensions as logits: targets.unsqueeze(-1), shape (B, T, 1)."
        ) from err


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("b, t", [(3, 5), (1, 4), (3, 1), (1, 1)])
def test_pick_takes_each_targets_logit(seed, b, t, device):
    gen = torch.Generator().manual_seed(seed)
    c = int(torch.randint(1, 7, (1,), generator=gen))
    logits = torch.randn(b, t, c, generator=gen).to(device)
    targets = torch.randint(c, (b, t), generator=gen).to(device)
    before = logits.clone()
    expected = torch.empty(b, t, device=device)
    for i in range(b):
        for j in range(t):
            expected[i, j] = logits[i, j, targets[i, j]]
    what = f"pick(logits, targets) for logits of shape {(b, t, c)}, targets of shape {(b, t)}"
    assert_tensor_close(
        _pick(logits, targets, what),
        expected,
        what=what,
        mistake="squeeze() without a dim also drops B or T when they are 1: squeeze(-1); or "
        "indexing logits[..., targets], which takes every target for every position.",
    )
    assert_tensor_close(logits, before, what=f"logits after {what}", mistake="changed in place.")


# ----------------------------------------------------------------------------- task 5


def _one_hot(labels, num_classes, dtype, what):
    __tracebackhide__ = True
    with forbid("torch.nn.functional.one_hot", kata=kata, why="Build it with scatter_."):
        try:
            return kata.one_hot(labels, num_classes, dtype)
        except NotImplementedError:
            raise
        except RuntimeError as err:
            raise AssertionError(
                f"{what} raised RuntimeError: {err}. Likely mistake: scatter_'s index must have "
                f"as many dimensions as the output: labels.unsqueeze(1), shape (N, 1)."
            ) from err


@pytest.mark.task(5)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.bool])
def test_one_hot_matches_functional_one_hot(seed, dtype, device):
    gen = torch.Generator().manual_seed(seed)
    n, c = sizes_of(gen, 2, low=1, high=8)
    labels = torch.randint(c, (n,), generator=gen).to(device)
    expected = torch.nn.functional.one_hot(labels, c).to(dtype)
    what = f"one_hot(labels, {c}, {dtype}) for {n} labels"
    got = _one_hot(labels, c, dtype, what)
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="scatter_ along dim 0 puts the ones in the label's row, not its column: "
        "scatter_(1, labels[:, None], 1).",
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("bad", [-1, 4, 9])
def test_one_hot_rejects_labels_out_of_range(bad, device):
    labels = torch.tensor([0, bad, 2], device=device)
    with forbid("torch.nn.functional.one_hot", kata=kata, why="Build it with scatter_."):
        check_raises_value_error(
            lambda: kata.one_hot(labels, 4, torch.float32),
            f"one_hot(tensor([0, {bad}, 2]), 4)",
            "no range check on the labels before scatter_ (on a GPU it becomes a device-side "
            "assert that kills the process).",
        )
