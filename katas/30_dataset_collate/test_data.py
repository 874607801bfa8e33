"""Tests for kata 30: a sequence Dataset and a padding collate_fn, checked against plain loops."""

import functools
import multiprocessing
from collections import Counter

import pytest
import torch
from torch.utils.data import DataLoader

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

# token ids 0..VOCAB-1: small, so real tokens often equal the pad value 0
VOCAB = 4
NAMES = ("tokens", "lengths", "labels")


def random_sequences(seed: int, n: int, max_len: int = 7) -> tuple[list[list[int]], list[int]]:
    """n sequences of random lengths 1..max_len and n labels, as plain Python lists."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, max_len + 1, (n,), generator=gen).tolist()
    sequences = [torch.randint(VOCAB, (length,), generator=gen).tolist() for length in lengths]
    labels = torch.randint(10, (n,), generator=gen).tolist()
    return sequences, labels


def make_batch(sequences, labels, device, dtype=torch.long) -> list[tuple[torch.Tensor, int]]:
    """Dataset-style items (tokens, label), tokens on `device`."""
    return [
        (torch.tensor(seq, dtype=dtype, device=device), label)
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
    return three_tensors(out, what)


def three_tensors(out, what: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    __tracebackhide__ = True
    if not isinstance(out, tuple | list) or len(out) != 3:
        extra = (
            " Likely mistake: an extra output (a sort permutation, or a padding mask); "
            "pad_collate returns exactly these three, in batch order."
            if isinstance(out, tuple | list) and len(out) > 3
            else ""
        )
        raise AssertionError(
            f"{what} should return a tuple (tokens, lengths, labels), got "
            f"{type(out).__name__}{f' of length {len(out)}' if hasattr(out, '__len__') else ''}."
            + extra
        )
    for name, value in zip(NAMES, out, strict=True):
        if not isinstance(value, torch.Tensor):
            raise AssertionError(
                f"{what} returned {name} as a {type(value).__name__}, expected a LongTensor. "
                f"Likely mistake: returning the {name} as a {type(value).__name__}, not a "
                f"tensor; torch.tensor(..., dtype=torch.long) makes one the model can use."
            )
    return out[0], out[1], out[2]


def held_items(rows, expected_rows) -> list[int]:
    """For each row that came back, the index of the item it holds (rows a permutation)."""
    unused = list(range(len(expected_rows)))
    held = []
    for row in rows:
        j = next(j for j in unused if expected_rows[j] == row)
        unused.remove(j)
        held.append(j)
    return held


def order_hint(held_lengths: list[int]) -> tuple[str, str]:
    """How the rows were reordered, read from the lengths of the items they hold."""
    if held_lengths == sorted(held_lengths, reverse=True):
        return ", sorted by length, longest first", (
            "sorting the batch by length. Only pack_padded_sequence(enforce_sorted=True) "
            "wants that, and the model can pass enforce_sorted=False instead."
        )
    if held_lengths == sorted(held_lengths):
        return ", sorted by length, shortest first", (
            "sorting the batch by length. A collate_fn keeps the sampler's order."
        )
    return "", "reordering the items (a sort, or a set or dict that loses the order)."


def held_rows(token_rows, sequences, t_max, pad_value):
    """For each returned row, the item whose tokens it holds, right- or left-padded (or
    None), and whether any row is left-padded; None for the list when a row is no item."""
    right = [list(seq) + [pad_value] * (t_max - len(seq)) for seq in sequences]
    left = [[pad_value] * (t_max - len(seq)) + list(seq) for seq in sequences]
    unused, held, left_padded = set(range(len(sequences))), [], False
    for i, row in enumerate(token_rows):
        for form, is_left in ((right, False), (left, True)):
            matches = [j for j in sorted(unused) if form[j] == row]
            if matches:
                j = i if i in matches else matches[0]
                unused.discard(j)
                held.append(j)
                left_padded |= is_left and right[j] != row
                break
        else:
            return None, False
    return held, left_padded


def check_partly_reordered(tokens, lengths, got_labels, sequences, labels, pad_value, what):
    """The batch order lost in part of the outputs: the rows, the lengths or the labels
    reordered (a sort of some of them), while each output holds the right values."""
    __tracebackhide__ = True
    b, t_max = len(sequences), max(len(seq) for seq in sequences)
    held, left_padded = held_rows(
        [tokens[i].tolist() for i in range(b)], sequences, t_max, pad_value
    )
    got_lengths, got = lengths.tolist(), got_labels.tolist()
    wanted = [len(seq) for seq in sequences]
    if held is not None and held != list(range(b)):
        how, hint = order_hint([wanted[j] for j in held])
        follow = []
        for name, values, want in (("lengths", got_lengths, wanted), ("labels", got, labels)):
            if values == [want[j] for j in held]:
                follow.append(f"the {name} follow the rows")
            elif values == want:
                follow.append(f"the {name} stayed in batch order, so they no longer match")
            else:
                follow.append(f"the {name} are {values}")
        padded = " (and left-padded)" if left_padded else ""
        also = " Pad on the right, too: columns 0..L_i-1 hold the tokens." if left_padded else ""
        raise AssertionError(
            f"{what}: the batch order was not kept (row i must be item i): rows 0..{b - 1} "
            f"hold items {held}{how}{padded}; {', '.join(follow)}. Likely mistake: {hint}{also}"
        )
    for name, values, want in (("lengths", got_lengths, wanted), ("labels", got, labels)):
        if values != want and Counter(values) == Counter(want):
            if values in (sorted(values, reverse=True), sorted(values)):
                first = "largest" if values == sorted(values, reverse=True) else "smallest"
                how, did = f", sorted, {first} first", "sorted on their own"
            else:
                how, did = "", "reordered on their own"
            raise AssertionError(
                f"{what}: the batch order was not kept (row i must be item i): the tokens are "
                f"in batch order, but the {name} came back as {values}{how}, expected {want}. "
                f"Likely mistake: the {name} {did}, apart from the rows. Every output keeps "
                f"the batch order."
            )


def check_batch(out, sequences, labels, pad_value, device, what: str) -> None:
    """pad_collate's (tokens, lengths, labels) for these items, checked property by property,
    so that the message names the mistake the evidence shows (the most specific first)."""
    __tracebackhide__ = True
    tokens, lengths, got_labels = three_tensors(out, what)
    expected = reference_collate(sequences, labels, pad_value, device)
    b, t_max = len(sequences), max(len(seq) for seq in sequences)
    for name, value in zip(NAMES, (tokens, lengths, got_labels), strict=True):
        if value.dtype != torch.long:
            if name == "tokens" and value.dtype.is_floating_point:
                hint = (
                    "a tokens tensor made without dtype=torch.long: torch.zeros and "
                    "torch.empty default to float32; token ids are integers (torch.long)."
                )
            elif name == "tokens":
                hint = (
                    "keeping the items' dtype: pad_sequence and torch.stack return the dtype "
                    "they are given (int32 items give int32 tokens); fill a tensor made with "
                    "dtype=torch.long, or .long() the result."
                )
            else:
                hint = (
                    f"a {name} tensor made with another dtype= (torch.tensor of Python ints "
                    "is already torch.long)."
                )
            raise AssertionError(
                f"{what} returned {name} of dtype {value.dtype}, expected torch.long. "
                f"Likely mistake: {hint}"
            )
    if tuple(tokens.shape) != (b, t_max):
        if tuple(tokens.shape) == (t_max, b):
            hint = (
                "a (T_max, B) layout: pad_sequence's default is batch_first=False; pass "
                "batch_first=True."
            )
        else:
            hint = "T_max taken from something other than the longest item."
        raise AssertionError(
            f"{what}: tokens have shape {tuple(tokens.shape)}, expected ({b}, {t_max}): one "
            f"row per item, T_max = {t_max} columns (the longest item). Likely mistake: {hint}"
        )
    for name, value in (("lengths", lengths), ("labels", got_labels)):
        if tuple(value.shape) != (b,):
            raise AssertionError(
                f"{what}: {name} have shape {tuple(value.shape)}, expected ({b},): one per item."
            )
    if b == t_max > 1 and tokens.T.tolist() == expected[0].tolist():
        raise AssertionError(
            f"{what}: tokens came back transposed, column i holding item i: "
            f"{tokens.tolist()}. Likely mistake: a (T_max, B) layout: pad_sequence's default "
            f"is batch_first=False; pass batch_first=True."
        )
    rows = [(tuple(tokens[i].tolist()), int(lengths[i]), int(got_labels[i])) for i in range(b)]
    expected_rows = [
        (tuple(expected[0][i].tolist()), len(sequences[i]), labels[i]) for i in range(b)
    ]
    if rows != expected_rows and Counter(rows) == Counter(expected_rows):
        held = held_items(rows, expected_rows)
        how, hint = order_hint([len(sequences[j]) for j in held])
        raise AssertionError(
            f"{what}: the batch order was not kept (row i must be item i): rows 0..{b - 1} "
            f"hold items {held}{how}, each correctly padded. Likely mistake: {hint}"
        )
    check_partly_reordered(tokens, lengths, got_labels, sequences, labels, pad_value, what)
    for i, seq in enumerate(sequences):
        row, n = tokens[i].tolist(), len(seq)
        if row[:n] != seq:
            if row[t_max - n :] == seq:
                raise AssertionError(
                    f"{what}: row {i} is {row}: it is left-padded, the real tokens {seq} sit "
                    f"at the end. Likely mistake: left padding; row i holds item i's tokens in "
                    f"columns 0..L_i-1 (right padding), which lengths and "
                    f"pack_padded_sequence assume."
                )
            raise AssertionError(
                f"{what}: row {i} should start with item {i}'s tokens {seq} (columns "
                f"0..{n - 1}), got row {row}. Likely mistake: the tokens copied to the wrong "
                f"columns, or another item's tokens in row {i}."
            )
        padding = row[n:]
        if padding != [pad_value] * (t_max - n):
            if pad_value != 0 and all(v == 0 for v in padding):
                hint = (
                    "ignoring pad_value: padding with 0 (pad_sequence's padding_value "
                    "defaults to 0; pass padding_value=pad_value)."
                )
            else:
                hint = "ignoring pad_value (padding with another constant)."
            raise AssertionError(
                f"{what}: row {i} columns {n}.. hold {padding}, expected pad_value="
                f"{pad_value} there. Likely mistake: {hint}"
            )
    got_lengths, lengths_wanted = lengths.tolist(), [len(seq) for seq in sequences]
    if got_lengths != lengths_wanted:
        if got_lengths == (expected[0] != pad_value).sum(1).tolist():
            hint = (
                "lengths taken after padding, by counting tokens != pad_value: a real token "
                "equal to pad_value is not padding. Take len() of each item before padding."
            )
        elif all(n == t_max for n in got_lengths):
            hint = "lengths taken after padding (every row is T_max wide); use len(item)."
        else:
            hint = "lengths[i] is len() of item i's tokens, before padding."
        raise AssertionError(
            f"{what}: lengths came back as {got_lengths}, expected {lengths_wanted}. "
            f"Likely mistake: {hint}"
        )
    if got_labels.tolist() != labels:
        raise AssertionError(
            f"{what}: labels came back as {got_labels.tolist()}, expected {labels}. Likely "
            f"mistake: labels[i] is item i's label, in batch order."
        )
    for name, g, e in zip(NAMES, (tokens, lengths, got_labels), expected, strict=True):
        assert_tensor_close(g, e, what=f"{what} {name}")  # device and anything else


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_items_are_long_tensors_and_int_labels(seed):
    sequences, labels = random_sequences(seed, n=6)
    dataset = kata.SequenceDataset([list(s) for s in sequences], list(labels))
    if len(dataset) != len(sequences):
        raise AssertionError(
            f"len(SequenceDataset(...)) over {len(sequences)} sequences is {len(dataset)}."
        )
    for i, (seq, label) in enumerate(zip(sequences, labels, strict=True)):
        item = dataset[i]
        if not isinstance(item, tuple) or len(item) != 2:
            raise AssertionError(f"dataset[{i}] should be a pair (tokens, label), got {item!r}.")
        tokens, got_label = item
        if isinstance(tokens, torch.Tensor) and tokens.dtype.is_floating_point:
            raise AssertionError(
                f"dataset[{i}] tokens for sequence {seq} are {tokens.dtype}, expected "
                f"torch.long. Likely mistake: torch.Tensor(seq) (capital T, a float32 "
                f"tensor) or torch.FloatTensor; token ids are integers: torch.tensor(seq, "
                f"dtype=torch.long)."
            )
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


def changed_entries(now: list, before: list) -> list[str]:
    """Where a list of lists (or of ints) differs from its copy, compared without `==` on
    whatever a wrong answer may have put there (a tensor's `==` is elementwise)."""
    changed = []
    if len(now) != len(before):
        changed.append(f"its length ({len(before)} -> {len(now)})")
    for i, (a, b) in enumerate(zip(now, before, strict=False)):
        if type(a) is not type(b):
            changed.append(f"[{i}] is now a {type(a).__name__}, was a {type(b).__name__}")
        elif a != b:
            changed.append(f"[{i}] is now {a!r}, was {b!r}")
    return changed


@pytest.mark.task(1)
def test_dataset_leaves_callers_lists_unchanged():
    sequences, labels = random_sequences(10, n=5)
    before = ([list(s) for s in sequences], list(labels))
    dataset = kata.SequenceDataset(sequences, labels)
    items = [dataset[i] for i in range(len(dataset))]
    for name, now, old in (("sequences", sequences, before[0]), ("labels", labels, before[1])):
        changed = changed_entries(now, old)
        if changed:
            raise AssertionError(
                f"SequenceDataset(sequences, labels) changed the caller's {name}: "
                f"{'; '.join(changed[:3])}. Likely mistake: converting, padding or sorting the "
                f"caller's lists in place; keep your own (self.sequences = [list(s) for s in "
                f"sequences], or the tensors in a new list)."
            )
    assert_tensor_close(
        items[-1][0], torch.tensor(before[0][-1]), what="dataset[-1] tokens (the last item)"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("n_labels", [4, 6])
def test_mismatched_labels_raise_value_error(n_labels):
    sequences, _ = random_sequences(1, n=5)
    assert_raises(
        ValueError,
        kata.SequenceDataset,
        sequences,
        list(range(n_labels)),
        what=f"SequenceDataset(5 sequences, {n_labels} labels)",
        mistake="no check that every sequence has exactly one label; a dataset not validating "
        "its input fails much later, far from the cause.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("where", [0, 3])
def test_empty_sequence_raises_value_error_when_built(where):
    sequences, labels = random_sequences(2, n=5)
    sequences[where] = []
    assert_raises(
        ValueError,
        kata.SequenceDataset,
        sequences,
        labels,
        what=f"SequenceDataset(...) with sequence {where} empty (checked when the dataset is "
        f"built)",
        mistake="the dataset not validating its sequences up front; an empty sequence has no "
        "last token for a model to read, and __getitem__ is too late to find out.",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(6))
def test_rows_are_right_padded_with_pad_value(seed, device):
    pad_value = [0, -1, 7][seed % 3]
    sequences, labels = random_sequences(100 + seed, n=5)
    batch = make_batch(sequences, labels, device)
    what = f"pad_collate(batch of lengths {[len(s) for s in sequences]}, pad_value={pad_value})"
    out = collate(batch, what, pad_value=pad_value)
    check_batch(out, sequences, labels, pad_value, device, what)


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_lengths_and_labels_are_long_tensors_in_batch_order(seed, device):
    sequences, labels = random_sequences(200 + seed, n=6)
    batch = make_batch(sequences, labels, device)
    what = f"pad_collate(batch of lengths {[len(s) for s in sequences]}, labels {labels})"
    out = collate(batch, what)
    check_batch(out, sequences, labels, 0, device, what)


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "lengths", [[1, 3, 5, 7], [4, 1, 6, 2, 5], [2, 5, 5, 1]], ids=["increasing", "shuffled", "ties"]
)
def test_batch_order_is_kept_never_sorted_by_length(lengths, device):
    """Row i is item i, whatever the lengths' order: a collate_fn never sorts the batch."""
    sequences = [[(i + t) % VOCAB for t in range(n)] for i, n in enumerate(lengths)]
    labels = [10 + i for i in range(len(lengths))]
    batch = make_batch(sequences, labels, device)
    what = f"pad_collate(batch of lengths {lengths}, labels {labels}, pad_value=-1)"
    out = collate(batch, what, pad_value=-1)
    check_batch(out, sequences, labels, -1, device, what)


@pytest.mark.task(2)
@pytest.mark.parametrize("pad_value", [0, 3])
def test_lengths_count_real_tokens_equal_to_pad_value(pad_value, device):
    # real tokens equal to pad_value, at the end of a sequence and as a whole sequence
    sequences = [[2, pad_value, pad_value], [1, 2, 3, 1, 2], [pad_value], [1, pad_value]]
    labels = [0, 1, 2, 3]
    batch = make_batch(sequences, labels, device)
    what = f"pad_collate(batch of {sequences}, pad_value={pad_value})"
    out = collate(batch, what, pad_value=pad_value)
    check_batch(out, sequences, labels, pad_value, device, what)


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
    out = collate(batch, what, pad_value=-1)
    check_items_unchanged(batch, before, what)
    check_batch(out, sequences, labels, -1, device, what)


def check_items_unchanged(batch, before, what: str) -> None:
    __tracebackhide__ = True
    for i, ((tokens, _), old) in enumerate(zip(batch, before, strict=True)):
        if tokens.shape != old.shape or not torch.equal(tokens, old):
            raise AssertionError(
                f"{what} changed item {i}'s tokens from {old.tolist()} to {tokens.tolist()}: "
                f"the items must not change. Likely mistake: padding each item in place "
                f"(resize_, or writing into it) instead of copying it into a new batch tensor."
            )


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [torch.int32, torch.int16])
def test_other_integer_items_give_long_tensors(dtype, device):
    """Items of any integer dtype: the batch is torch.long all the same."""
    sequences, labels = random_sequences(500, n=4)
    batch = make_batch(sequences, labels, device, dtype=dtype)
    before = [tokens.clone() for tokens, _ in batch]
    what = f"pad_collate(batch of {str(dtype).removeprefix('torch.')} items, pad_value=-1)"
    out = collate(batch, what, pad_value=-1)
    check_items_unchanged(batch, before, what)
    check_batch(out, sequences, labels, -1, device, what)


@pytest.mark.task(2)
def test_non_contiguous_items(device):
    """Items that are views with strides (a slice with a step, a column): padded the same."""
    base = torch.arange(40, device=device).reshape(8, 5) % VOCAB
    items = [(base[::3, 1], 0), (base[2, ::2], 1), (base[1:2, 4], 2)]  # strided views
    sequences = [t.tolist() for t, _ in items]
    before = [tokens.clone() for tokens, _ in items]
    what = f"pad_collate(batch of strided views {sequences}, pad_value=-1)"
    out = collate(items, what, pad_value=-1)
    check_items_unchanged(items, before, what)
    check_batch(out, sequences, [0, 1, 2], -1, device, what)


@pytest.mark.task(2)
def test_empty_batch_and_bad_items_raise_value_error(device):
    good = (torch.tensor([1, 2], device=device), 0)
    assert_raises(
        ValueError,
        kata.pad_collate,
        [],
        what="pad_collate([])",
        mistake="no check for an empty batch (max() of nothing fails with a confusing error).",
    )
    for bad, name in [
        (torch.tensor([[1, 2], [3, 4]], device=device), "2-D tokens of shape (2, 2)"),
        (torch.tensor(5, device=device), "0-D tokens (a bare number)"),
    ]:
        assert_raises(
            ValueError,
            kata.pad_collate,
            [good, (bad, 1)],
            what=f"pad_collate(batch whose item 1 has {name})",
            mistake="no check that every item's tokens are 1-D (check tokens.dim() == 1 for "
            "every item first, before len() or any other use of the items).",
        )


# ----------------------------------------------------------------------------- task 3


def worker_context():
    """DataLoader workers as forked copies, asked for explicitly.

    The default start method is forkserver on Linux from Python 3.14 and spawn on macOS and
    Windows; those pickle the dataset and collate_fn and import them again by module name,
    which the kata's module, loaded from its path by the test harness, cannot be.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("DataLoader workers here need the fork start method (not on Windows)")
    return multiprocessing.get_context("fork")


def loader_batches(dataset, order, batch_size, num_workers, pad_value):
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=order,  # a fixed order, so the expected batches are known
        collate_fn=functools.partial(kata.pad_collate, pad_value=pad_value),
        num_workers=num_workers,
        timeout=30 if num_workers else 0,
        multiprocessing_context=worker_context() if num_workers else None,
    )
    return list(loader)


def check_batches(got, sequences, labels, order, batch_size, pad_value, what):
    __tracebackhide__ = True
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if len(got) != len(chunks):
        raise AssertionError(f"{what} gave {len(got)} batches, expected {len(chunks)}.")
    for b, (batch, idx) in enumerate(zip(got, chunks, strict=True)):
        check_batch(
            batch,
            [sequences[i] for i in idx],
            [labels[i] for i in idx],
            pad_value,
            torch.device("cpu"),
            f"{what}: batch {b} (dataset indices {idx})",
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(3))
def test_dataloader_batches_are_padded_items_in_sampler_order(seed):
    sequences, labels = random_sequences(300 + seed, n=11)
    order = torch.randperm(11, generator=torch.Generator().manual_seed(seed)).tolist()
    dataset = kata.SequenceDataset([list(s) for s in sequences], list(labels))
    got = loader_batches(dataset, order, batch_size=4, num_workers=0, pad_value=-1)
    what = f"DataLoader(SequenceDataset, batch_size=4, sampler={order}, collate_fn=pad_collate)"
    check_batches(got, sequences, labels, order, 4, -1, what)


# a fork from a multi-threaded process warns on Python 3.12+; the workers are forked on purpose
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.task(3)
@pytest.mark.timeout(60)
def test_two_workers_give_the_same_batches_as_one_process():
    sequences, labels = random_sequences(400, n=10)
    order = torch.randperm(10, generator=torch.Generator().manual_seed(4)).tolist()
    dataset = kata.SequenceDataset([list(s) for s in sequences], list(labels))
    single = loader_batches(dataset, order, batch_size=3, num_workers=0, pad_value=9)
    workers = loader_batches(dataset, order, batch_size=3, num_workers=2, pad_value=9)
    what = "DataLoader(..., num_workers=2, collate_fn=partial(pad_collate, pad_value=9))"
    check_batches(workers, sequences, labels, order, 3, 9, what)
    for b, (w, s) in enumerate(zip(workers, single, strict=True)):
        for name, g, e in zip(NAMES, w, s, strict=True):
            assert_tensor_close(g, e, what=f"{what}: batch {b} {name} against num_workers=0")
