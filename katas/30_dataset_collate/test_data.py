"""Tests for kata 30: a sequence Dataset and a padding collate_fn, checked against plain loops."""

import functools

import pytest
import torch
from torch.utils.data import DataLoader

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

# token ids 0..VOCAB-1: small, so real tokens often equal the pad value 0
VOCAB = 4


def random_sequences(seed: int, n: int, max_len: int = 7) -> tuple[list[list[int]], list[int]]:
    """n sequences of random lengths 1..max_len and n labels, as plain Python lists."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, max_len + 1, (n,), generator=gen).tolist()
    sequences = [torch.randint(VOCAB, (length,), generator=gen).tolist() for length in lengths]
    labels = torch.randint(10, (n,), generator=gen).tolist()
    return sequences, labels


def make_batch(sequences, labels, device) -> list[tuple[torch.Tensor, int]]:
    """Dataset-style items (tokens, label), tokens on `device`."""
    return [
        (torch.tensor(seq, dtype=torch.long, device=device), label)
        for seq, label in zip(sequences, labels, strict=True)
    ]


def reference_collate(sequences, labels, pad_value, device):
    """The expected (tokens, lengths, labels), written as a plain loop."""
    t_max = max(len(seq) for seq in sequences)
    rows = [seq + [pad_value] * (t_max - len(seq)) for seq in sequences]
    return (
        torch.tensor(rows, dtype=torch.long, device=device),
        torch.tensor([len(seq) for seq in sequences], dtype=torch.long, device=device),
        torch.tensor(labels, dtype=torch.long, device=device),
    )


def collate(batch, what: str, **kwargs) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Call the learner's pad_collate and check it returns three tensors."""
    __tracebackhide__ = True
    out = kata.pad_collate(batch, **kwargs)
    if not isinstance(out, tuple | list) or len(out) != 3:
        raise AssertionError(
            f"{what} should return a tuple (tokens, lengths, labels), got "
            f"{type(out).__name__}{f' of length {len(out)}' if hasattr(out, '__len__') else ''}."
        )
    for name, value in zip(("tokens", "lengths", "labels"), out, strict=True):
        if not isinstance(value, torch.Tensor):
            raise AssertionError(
                f"{what} returned {name} as a {type(value).__name__}, expected a LongTensor. "
                f"Likely mistake: returning the {name} as a {type(value).__name__}, not a "
                f"tensor; torch.tensor(..., dtype=torch.long) makes one the model can use."
            )
    return out[0], out[1], out[2]


def expect_value_error(call, what: str, mistake: str) -> None:
    __tracebackhide__ = True
    try:
        call()
    except ValueError:
        return
    raise AssertionError(f"{what} did not raise ValueError. Likely mistake: {mistake}")


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_items_are_long_tensors_and_int_labels(seed):
    sequences, labels = random_sequences(seed, n=6)
    dataset = kata.SequenceDataset(sequences, labels)
    if len(dataset) != len(sequences):
        raise AssertionError(
            f"len(SequenceDataset(...)) over {len(sequences)} sequences is {len(dataset)}."
        )
    for i, (seq, label) in enumerate(zip(sequences, labels, strict=True)):
        item = dataset[i]
        if not isinstance(item, tuple) or len(item) != 2:
            raise AssertionError(f"dataset[{i}] should be a pair (tokens, label), got {item!r}.")
        tokens, got_label = item
        # items are CPU tensors: the DataLoader, or the training loop, moves batches to a device
        assert_tensor_close(
            tokens,
            torch.tensor(seq, dtype=torch.long),
            what=f"dataset[{i}] tokens for sequence {seq}",
            mistake="the tokens of another index, or a float tensor (torch.tensor of ints "
            "with dtype=torch.long).",
        )
        if type(got_label) is not int or got_label != label:
            raise AssertionError(
                f"dataset[{i}] label is {got_label!r} ({type(got_label).__name__}), expected "
                f"the Python int {label}. Likely mistake: a tensor label; pad_collate builds "
                f"the labels tensor for the whole batch."
            )


@pytest.mark.task(1)
def test_dataset_leaves_callers_lists_unchanged():
    sequences, labels = random_sequences(10, n=5)
    before = ([list(s) for s in sequences], list(labels))
    dataset = kata.SequenceDataset(sequences, labels)
    items = [dataset[i] for i in range(len(dataset))]
    if (sequences, labels) != before:
        raise AssertionError(
            "SequenceDataset(sequences, labels) changed the caller's lists. Likely mistake: "
            "padding, sorting or popping the lists in place."
        )
    assert_tensor_close(
        items[-1][0], torch.tensor(sequences[-1]), what="dataset[-1] tokens (the last item)"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("n_labels", [4, 6])
def test_mismatched_labels_raise_value_error(n_labels):
    sequences, _ = random_sequences(1, n=5)
    expect_value_error(
        lambda: kata.SequenceDataset(sequences, list(range(n_labels))),
        f"SequenceDataset(5 sequences, {n_labels} labels)",
        "no check that every sequence has exactly one label; a dataset not validating its "
        "input fails much later, far from the cause.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("where", [0, 3])
def test_empty_sequence_raises_value_error_when_built(where):
    sequences, labels = random_sequences(2, n=5)
    sequences[where] = []
    expect_value_error(
        lambda: kata.SequenceDataset(sequences, labels),
        f"SequenceDataset(...) with sequence {where} empty (checked when the dataset is built)",
        "the dataset not validating its sequences up front; an empty sequence has no last "
        "token for a model to read, and __getitem__ is too late to find out.",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(6))
def test_rows_are_right_padded_with_pad_value(seed, device):
    pad_value = [0, -1, 7][seed % 3]
    sequences, labels = random_sequences(100 + seed, n=5)
    batch = make_batch(sequences, labels, device)
    what = f"pad_collate(batch of lengths {[len(s) for s in sequences]}, pad_value={pad_value})"
    tokens, _, _ = collate(batch, what, pad_value=pad_value)
    expected, _, _ = reference_collate(sequences, labels, pad_value, device)
    if tokens.shape != expected.shape:
        assert_tensor_close(
            tokens, expected, what=f"{what} tokens", mistake="T_max is the longest item's length."
        )
    for i, seq in enumerate(sequences):
        row, length = tokens[i].tolist(), len(seq)
        if row[:length] != seq:
            left = ""
            if row[len(row) - length :] == seq:
                left = " It is left-padded: the real tokens sit at the end."
            raise AssertionError(
                f"{what}: row {i} should hold item {i}'s tokens {seq} in columns 0..{length - 1} "
                f"(right padding), got row {row}.{left} Likely mistake: left padding, or rows "
                f"out of order."
            )
        if row[length:] != [pad_value] * (len(row) - length):
            raise AssertionError(
                f"{what}: row {i} columns {length}.. hold {row[length:]}, expected pad_value="
                f"{pad_value} there. Likely mistake: ignoring pad_value (padding with 0 or "
                f"another constant)."
            )
    assert_tensor_close(tokens, expected, what=f"{what} tokens")


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_lengths_and_labels_are_long_tensors_in_batch_order(seed, device):
    sequences, labels = random_sequences(200 + seed, n=6)
    batch = make_batch(sequences, labels, device)
    what = f"pad_collate(batch of lengths {[len(s) for s in sequences]}, labels {labels})"
    _, lengths, got_labels = collate(batch, what)
    _, expected_lengths, expected_labels = reference_collate(sequences, labels, 0, device)
    if lengths.shape == expected_lengths.shape and got_labels.shape == expected_labels.shape:
        same = torch.equal(lengths.cpu(), expected_lengths.cpu())
        if not same and sorted(lengths.tolist()) == sorted(expected_lengths.tolist()):
            raise AssertionError(
                f"{what}: lengths came back as {lengths.tolist()}, expected "
                f"{expected_lengths.tolist()}: the batch order was not kept (row i must be "
                f"item i). Likely mistake: sorting the batch by length; only "
                f"pack_padded_sequence(enforce_sorted=True) wants that, and the model can "
                f"pass enforce_sorted=False instead."
            )
    assert_tensor_close(
        lengths,
        expected_lengths,
        what=f"{what} lengths",
        mistake="lengths taken after padding, or in a different order.",
    )
    assert_tensor_close(
        got_labels,
        expected_labels,
        what=f"{what} labels",
        mistake="labels out of batch order.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("pad_value", [0, 3])
def test_lengths_count_real_tokens_equal_to_pad_value(pad_value, device):
    # real tokens equal to pad_value, at the end of a sequence and as a whole sequence
    sequences = [[2, pad_value, pad_value], [1, 2, 3, 1, 2], [pad_value], [1, pad_value]]
    labels = [0, 1, 2, 3]
    batch = make_batch(sequences, labels, device)
    what = f"pad_collate(batch of {sequences}, pad_value={pad_value})"
    tokens, lengths, _ = collate(batch, what, pad_value=pad_value)
    expected_tokens, expected_lengths, _ = reference_collate(sequences, labels, pad_value, device)
    assert_tensor_close(
        lengths,
        expected_lengths,
        what=f"{what} lengths",
        mistake="lengths taken after padding, by counting tokens != pad_value: a real token "
        "equal to pad_value is not padding. Take len() of each item before padding.",
    )
    assert_tensor_close(tokens, expected_tokens, what=f"{what} tokens")


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "sequences",
    [[[5]], [[1, 2, 3]], [[4, 5], [6, 7], [8, 9]], [[1], [2, 3, 4, 5, 6, 7, 8, 9]]],
    ids=["one-token", "one-item", "equal-lengths", "length-one-and-long"],
)
def test_edge_batches(sequences, device):
    labels = list(range(len(sequences)))
    batch = make_batch(sequences, labels, device)
    before = [tokens.clone() for tokens, _ in batch]
    what = f"pad_collate(batch of {sequences}, pad_value=-1)"
    got = collate(batch, what, pad_value=-1)
    expected = reference_collate(sequences, labels, -1, device)
    for name, g, e in zip(("tokens", "lengths", "labels"), got, expected, strict=True):
        assert_tensor_close(
            g,
            e,
            what=f"{what} {name}",
            mistake="T_max taken from something other than the "
            "longest item, or the batch of one treated specially.",
        )
    for i, ((tokens, _), old) in enumerate(zip(batch, before, strict=True)):
        if not torch.equal(tokens, old):
            raise AssertionError(f"{what} changed item {i}'s tokens: the items must not change.")


@pytest.mark.task(2)
def test_empty_batch_and_bad_items_raise_value_error(device):
    good = (torch.tensor([1, 2], device=device), 0)
    expect_value_error(
        lambda: kata.pad_collate([]),
        "pad_collate([])",
        "no check for an empty batch (max() of nothing fails with a confusing error).",
    )
    for bad, name in [
        (torch.tensor([[1, 2], [3, 4]], device=device), "2-D tokens of shape (2, 2)"),
        (torch.tensor(5, device=device), "0-D tokens (a bare number)"),
    ]:
        expect_value_error(
            lambda bad=bad: kata.pad_collate([good, (bad, 1)]),
            f"pad_collate(batch whose item 1 has {name})",
            "no check that every item's tokens are 1-D.",
        )


# ----------------------------------------------------------------------------- task 3


def loader_batches(dataset, order, batch_size, num_workers, pad_value):
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=order,  # a fixed order, so the expected batches are known
        collate_fn=functools.partial(kata.pad_collate, pad_value=pad_value),
        num_workers=num_workers,
        timeout=30 if num_workers else 0,
    )
    return list(loader)


def check_batches(got, sequences, labels, order, batch_size, pad_value, what):
    __tracebackhide__ = True
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if len(got) != len(chunks):
        raise AssertionError(f"{what} gave {len(got)} batches, expected {len(chunks)}.")
    for b, (batch, idx) in enumerate(zip(got, chunks, strict=True)):
        expected = reference_collate(
            [sequences[i] for i in idx], [labels[i] for i in idx], pad_value, torch.device("cpu")
        )
        if not isinstance(batch, tuple | list) or len(batch) != 3:
            raise AssertionError(f"{what}: batch {b} is not (tokens, lengths, labels).")
        for name, g, e in zip(("tokens", "lengths", "labels"), batch, expected, strict=True):
            assert_tensor_close(
                g,
                e,
                what=f"{what}: batch {b} (dataset indices {idx}) {name}",
                mistake="batches that differ from pad_collate applied to the sampler's items.",
            )


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(3))
def test_dataloader_batches_are_padded_items_in_sampler_order(seed):
    sequences, labels = random_sequences(300 + seed, n=11)
    order = torch.randperm(11, generator=torch.Generator().manual_seed(seed)).tolist()
    dataset = kata.SequenceDataset(sequences, labels)
    got = loader_batches(dataset, order, batch_size=4, num_workers=0, pad_value=-1)
    what = f"DataLoader(SequenceDataset, batch_size=4, sampler={order}, collate_fn=pad_collate)"
    check_batches(got, sequences, labels, order, 4, -1, what)


# a fork from a multi-threaded process warns on Python 3.12+; DataLoader workers fork on Linux
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.task(3)
@pytest.mark.timeout(60)
def test_two_workers_give_the_same_batches_as_one_process():
    sequences, labels = random_sequences(400, n=10)
    order = torch.randperm(10, generator=torch.Generator().manual_seed(4)).tolist()
    dataset = kata.SequenceDataset(sequences, labels)
    single = loader_batches(dataset, order, batch_size=3, num_workers=0, pad_value=9)
    workers = loader_batches(dataset, order, batch_size=3, num_workers=2, pad_value=9)
    what = "DataLoader(..., num_workers=2, collate_fn=partial(pad_collate, pad_value=9))"
    check_batches(workers, sequences, labels, order, 3, 9, what)
    for b, (w, s) in enumerate(zip(workers, single, strict=True)):
        for name, g, e in zip(("tokens", "lengths", "labels"), w, s, strict=True):
            assert_tensor_close(g, e, what=f"{what}: batch {b} {name} against num_workers=0")
