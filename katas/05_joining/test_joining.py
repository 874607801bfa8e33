"""Tests for kata 05: cat/stack, split/chunk/narrow views, gather and scatter_."""

import pytest
import torch

from torchkatas.harness import (
    assert_raises,
    assert_tensor_close,
    count_torch_calls,
    forbid,
    load_kata,
)

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


def outside_storage(result: torch.Tensor, t: torch.Tensor) -> bool:
    """Whether result's first element lies outside the bytes of t's storage."""
    storage = t.untyped_storage()
    start = storage.data_ptr()
    return result.numel() == 0 or not start <= result.data_ptr() < start + storage.nbytes()


# the torch calls that join tensors: each one copies everything it is given
JOINS = ("cat", "concat", "concatenate", "stack", "vstack", "row_stack", "hstack", "dstack")


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
    shape = tuple(got.shape) if isinstance(got, torch.Tensor) else None
    if shape == (b * c, length + 1) and b > 1:
        mistake = (
            "torch.cat joins along an existing dimension, giving (B*C, L); torch.stack adds "
            "the new batch dimension."
        )
    elif shape is not None and shape != expected.shape and sorted(shape) == sorted(expected.shape):
        mistake = (
            "stacked along another dimension: sample i is out[i], torch.stack(samples, dim=0)."
        )
    else:
        mistake = (
            "sample i must be out[i], in the order given: torch.stack(samples, dim=0) adds "
            "the new batch dimension in front."
        )
    assert_tensor_close(got, expected, what=what, mistake=mistake)
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
        if "stack expects" in str(err):
            cause = (
                "torch.stack needs equal shapes and adds a dimension; torch.cat joins along dim 0."
            )
        else:
            cause = (
                "joining along another dimension than 0, where the batch sizes differ; "
                "torch.cat(batches, dim=0) lets only dim 0 differ."
            )
        raise AssertionError(
            f"{what} raised RuntimeError: {err}; expected one tensor of shape "
            f"{tuple(expected.shape)}. Likely mistake: {cause}"
        ) from err
    if isinstance(got, torch.Tensor) and got.dim() == expected.dim() + 1:
        mistake = (
            "torch.stack needs equal shapes and adds a dimension; torch.cat joins along dim 0."
        )
    elif isinstance(got, torch.Tensor) and got.shape == expected.shape:
        mistake = (
            "the shape is right but not the rows: batch 0's rows, then batch 1's, ..., in "
            "order (torch.cat(batches, dim=0))."
        )
    else:
        mistake = "joined along the wrong dimension: torch.cat(batches, dim=0)."
    assert_tensor_close(got, expected, what=what, mistake=mistake)
    check_is_copy(got, batches, what)
    got[0].fill_(123.0)
    if (batches[0][0] == 123.0).all():
        raise AssertionError(
            f"{what}: writing to the result changed the first batch, expected a copy."
        )


@pytest.mark.task(1)
def test_empty_lists_raise_value_error(device):
    check_raises_value_error(
        lambda: kata.stack_samples([]), "stack_samples([])", "no check for an empty list."
    )
    check_raises_value_error(
        lambda: kata.concat_batches([]), "concat_batches([])", "no check for an empty list."
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("layout", ["one sample", "transposed samples"])
def test_stack_samples_copies_and_leaves_samples_alone(layout, device):
    """stack_samples copies for B = 1 and non-contiguous samples, and changes no sample"""
    gen = torch.Generator().manual_seed(7)
    if layout == "one sample":
        samples = [torch.randn(3, 4, generator=gen).to(device)]
    else:
        samples = [torch.randn(4, 3, generator=gen).to(device).t() for _ in range(3)]
    before = [s.clone() for s in samples]
    ids = [id(s) for s in samples]
    what = f"stack_samples(samples) for {layout} ({len(samples)} of shape (3, 4))"
    got = kata.stack_samples(samples)
    for k, (s, b) in enumerate(zip(samples, before, strict=True)):
        if s.shape != b.shape:
            changed = (
                "the caller's sample was changed in place: s.unsqueeze_(0) reshapes it; "
                "s.unsqueeze(0) (or torch.stack) makes a new view and leaves the sample alone."
            )
        else:
            changed = "the caller's sample was written to in place (an in-place op on it)."
        assert_tensor_close(s, b, what=f"sample {k} after {what}", mistake=changed)
    if [id(s) for s in samples] != ids:
        raise AssertionError(f"{what} changed the caller's list of samples.")
    assert_tensor_close(got, torch.stack(before), what=what)
    if not outside_storage(got, samples[0]):
        raise AssertionError(
            f"{what} returned a view of the first sample, expected a copy. Likely mistake: a "
            f"shortcut for one sample, samples[0].unsqueeze(0) (or [None]), which is a view; "
            f"torch.stack copies even one sample."
        )


def check_one_join(what: str, calls, expected: str) -> None:
    """The learner's code made exactly one joining call for the whole list."""
    __tracebackhide__ = True
    joins = {k: v for k, v in calls.items() if k in JOINS}
    if sum(joins.values()) == 1:
        return
    if sum(joins.values()) > 1:
        raise AssertionError(
            f"{what} made {sum(joins.values())} joining calls ({joins}), expected exactly one. "
            f"Likely mistake: joining in a loop (out = torch.cat([out, b])): every step copies "
            f"everything joined so far again, quadratic copying. Collect the pieces in a list "
            f"and call {expected} once."
        )
    raise AssertionError(
        f"{what} made no joining call (torch calls: {dict(calls)}), expected exactly one, "
        f"{expected}. Likely mistake: filling a preallocated tensor piece by piece in a loop, "
        f"or building the result from Python values (torch.tensor(...))."
    )


@pytest.mark.task(1)
def test_concat_batches_calls_cat_once_for_fifty_batches(device):
    """concat_batches joins 50 batches with one torch.cat, not one per batch"""
    gen = torch.Generator().manual_seed(50)
    sizes = torch.randint(1, 4, (50,), generator=gen).tolist()
    batches = [torch.randn(s, 2, generator=gen).to(device) for s in sizes]
    what = "concat_batches(batches) for 50 batches"
    with count_torch_calls() as calls:
        got = kata.concat_batches(batches)
    assert_tensor_close(got, torch.cat(batches), what=what)
    check_one_join(what, calls, "torch.cat(batches, dim=0)")


@pytest.mark.task(1)
def test_stack_samples_makes_one_joining_call_for_fifty_samples(device):
    """stack_samples joins 50 samples in one call: torch.stack, or torch.cat of unsqueezed ones"""
    gen = torch.Generator().manual_seed(51)
    samples = [torch.randn(2, 3, generator=gen).to(device) for _ in range(50)]
    what = "stack_samples(samples) for 50 samples of shape (2, 3)"
    with count_torch_calls() as calls:
        got = kata.stack_samples(samples)
    # torch.stack(samples) is torch.cat of the samples, each given a new first dimension
    assert_tensor_close(got, torch.cat([s.unsqueeze(0) for s in samples]), what=what)
    check_one_join(what, calls, "torch.stack(samples)")


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "sizes", [[3], [2, 0, 3], [0]], ids=["one batch", "empty batch", "only empty"]
)
def test_concat_batches_copies_one_batch_and_keeps_empty_ones(sizes, device):
    """concat_batches copies even a single batch, and accepts batches of 0 rows"""
    gen = torch.Generator().manual_seed(8)
    batches = [torch.randn(s, 4, generator=gen).to(device) for s in sizes]
    before = [b.clone() for b in batches]
    what = f"concat_batches(batches) for batch sizes {sizes}, rows of shape (4,)"
    got = kata.concat_batches(batches)
    assert_tensor_close(got, torch.cat(before), what=what)
    for k, (b, old) in enumerate(zip(batches, before, strict=True)):
        assert_tensor_close(b, old, what=f"batch {k} after {what}", mistake="changed in place.")
    if got is batches[0] or any(not outside_storage(got, b) for b in batches if b.numel()):
        raise AssertionError(
            f"{what} returned the input batch itself (or a view of it), expected a copy. "
            f"Likely mistake: a shortcut for a single batch (return batches[0]); "
            f"torch.cat copies even one batch, so a write to the result leaves it alone."
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
        count = len(got) if isinstance(got, tuple | list) else None
        causes = []
        if count == len(torch.chunk(x, len(sizes))):
            causes.append("torch.chunk(x, k) cuts into k nearly equal pieces (or fewer)")
        if count == sum(1 for size in sizes if size):
            causes.append("the pieces of size 0 were dropped")
        if not causes:
            causes.append("not one piece per size")
        raise AssertionError(
            f"{what} returned {count if count is not None else repr(got)} pieces, expected "
            f"{len(sizes)}. Likely mistake: {', or '.join(causes)}; torch.split(x, sizes) "
            f"gives one piece per size given, the empty ones too."
        )
    chunks = torch.chunk(x, len(sizes))
    start = 0
    for k, (piece, size) in enumerate(zip(got, sizes, strict=True)):
        if k < len(chunks) and piece.shape == chunks[k].shape and torch.equal(piece, chunks[k]):
            cut = "equal chunks (torch.chunk) instead of the given sizes."
        else:
            cut = (
                f"piece {k} should be x[{start}:{start + size}]: it starts at the sum of the "
                f"earlier sizes and has {size} rows."
            )
        assert_tensor_close(
            piece, x[start : start + size], what=f"piece {k} of {what}", mistake=cut
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
    for k, (name, piece, expected) in enumerate(
        [("first", got[0], x[..., :h]), ("second", got[1], x[..., h:])]
    ):
        assert_tensor_close(
            piece,
            expected,
            what=f"the {name} half from {what}",
            mistake=halves_mistake(piece, x, k),
        )
        check_is_view(piece, x, f"the {name} half from {what}", "torch.chunk")


def halves_mistake(piece, x: torch.Tensor, k: int) -> str:
    """Why half k of x is wrong: chunked along another dimension, swapped, or otherwise."""
    for dim in range(x.dim() - 1):
        other = torch.chunk(x, 2, dim=dim)
        if k < len(other) and piece.shape == other[k].shape and torch.equal(piece, other[k]):
            return f"chunking along dim {dim} instead of the last dimension (dim=-1)."
    h = x.shape[-1] // 2
    if piece.shape == x[..., :h].shape and torch.equal(piece, (x[..., h:], x[..., :h])[k]):
        return "the two halves are swapped: the first is x[..., :h], the second x[..., h:]."
    return "the halves of the last dimension are x[..., :h] and x[..., h:] (torch.chunk(x, 2, -1))."


@pytest.mark.task(2)
def test_halves_rejects_odd_last_dimension(device):
    x = torch.randn(2, 5, device=device)
    check_raises_value_error(
        lambda: kata.halves(x),
        "halves(x) for x of shape (2, 5)",
        "torch.chunk gives unequal pieces for an odd size; check it first.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("sizes", [[2, 3], [0, 3, 0, 2]], ids=["two pieces", "empty pieces"])
def test_split_by_sizes_of_a_transposed_x_gives_a_tuple_of_views(sizes, device):
    """split_by_sizes returns a tuple of views for a non-contiguous x, empty pieces included"""
    x = torch.randn(3, 5, generator=torch.Generator().manual_seed(9)).to(device).t()  # (5, 3)
    what = f"split_by_sizes(x, {sizes}) for a transposed x of shape (5, 3)"
    got = kata.split_by_sizes(x, sizes)
    if not isinstance(got, tuple):
        raise AssertionError(
            f"{what} returned a {type(got).__name__}, expected a tuple. Likely mistake: a list "
            f"(a list comprehension of slices, or list(...)); torch.split returns a tuple (or "
            f"wrap it: tuple(...))."
        )
    if len(got) != len(sizes):
        raise AssertionError(
            f"{what} returned {len(got)} pieces, expected {len(sizes)}: one per size, the "
            f"empty ones too."
        )
    start = 0
    for k, (piece, size) in enumerate(zip(got, sizes, strict=True)):
        assert_tensor_close(piece, x[start : start + size], what=f"piece {k} of {what}")
        if size:
            check_is_view(
                piece,
                x,
                f"piece {k} of {what}",
                "torch.split, also on a non-contiguous x (x.contiguous() first copies a "
                "transposed x, so the pieces are views of that copy)",
            )
        start += size


@pytest.mark.task(2)
def test_halves_of_a_transposed_x_are_views(device):
    """halves returns views even when x is not contiguous"""
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(10)).to(device).t()  # (4, 6)
    what = "halves(x) for a transposed x of shape (4, 6)"
    got = kata.halves(x)
    if not isinstance(got, tuple | list) or len(got) != 2:
        raise AssertionError(f"{what} should return two tensors, got {got!r:.80}.")
    for name, piece, expected in [("first", got[0], x[..., :3]), ("second", got[1], x[..., 3:])]:
        assert_tensor_close(piece, expected, what=f"the {name} half from {what}")
        check_is_view(
            piece,
            x,
            f"the {name} half from {what}",
            "torch.chunk on x itself (x.contiguous() first copies a transposed x, so the "
            "halves are views of that copy)",
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
    as_end = x[:, start:length]
    if isinstance(got, torch.Tensor) and got.shape == as_end.shape and torch.equal(got, as_end):
        mistake = "x[:, start:length] treats length as the end index; the end is start + length."
    else:
        mistake = (
            "the crop is steps start .. start + length - 1 of dim 1 (time): "
            "x[:, start : start + length], or x.narrow(1, start, length)."
        )
    assert_tensor_close(got, expected, what=what, mistake=mistake)
    check_is_view(got, x, what, "torch.narrow (or a basic slice)")


@pytest.mark.task(3)
@pytest.mark.parametrize("start, length", [(3, 4), (-1, 2), (0, 7), (6, 1), (2, -1)])
def test_crop_time_rejects_out_of_range(start, length, device):
    x = torch.randn(2, 6, 3, device=device)
    if length < 0:
        mistake = "no check of a negative length (x[:, 2:1] is silently empty)."
    elif start < 0:
        mistake = "no range check on start: a negative start counts from the end in a slice."
    else:
        mistake = (
            f"no range check on the end: start + length = {start + length} > T = 6, and "
            f"slicing silently returns fewer steps."
        )
    check_raises_value_error(
        lambda: kata.crop_time(x, start, length),
        f"crop_time(x, start={start}, length={length}) for T = 6",
        mistake,
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("start, length", [(0, 6), (4, 2), (6, 0), (2, 0)])
def test_crop_time_accepts_crops_at_the_bounds(start, length, device):
    """crop_time allows start + length == T, and length 0 (even at start == T)"""
    x = torch.randn(2, 6, 3, generator=torch.Generator().manual_seed(11)).to(device)
    what = f"crop_time(x, start={start}, length={length}) for x of shape (2, 6, 3)"
    try:
        got = kata.crop_time(x, start, length)
    except ValueError as err:
        off_by_one = (
            "an off-by-one check, start + length >= T (the end index start + length is exclusive)"
        )
        if length == 0 and start + length == 6:
            cause = f"{off_by_one}, or start >= T, or rejecting length 0"
        elif length == 0:
            cause = "rejecting length 0 (length must be >= 0, not > 0)"
        else:
            cause = off_by_one
        raise AssertionError(
            f"{what} raised ValueError ({err}), but start + length = {start + length} <= T = 6 "
            f"is in range. Likely mistake: {cause}."
        ) from err
    assert_tensor_close(got, x[:, start : start + length], what=what)
    if length:
        check_is_view(got, x, what, "torch.narrow (or a basic slice)")


# ----------------------------------------------------------------------------- task 4


def _pick(logits, targets, what):
    __tracebackhide__ = True
    try:
        return kata.pick(logits, targets)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "same number of dimensions" in str(err):
            cause = (
                "gather needs an index with as many dimensions as logits: "
                "targets.unsqueeze(-1), shape (B, T, 1)."
            )
        else:
            cause = "logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) does it in one call."
        raise AssertionError(
            f"{what} raised RuntimeError: {err}; expected a (B, T) tensor holding "
            f"logits[b, t, targets[b, t]]. Likely mistake: {cause}"
        ) from err


def pick_mistake(got, b: int, t: int) -> str:
    """Why pick's result is wrong, read from its shape."""
    shape = tuple(got.shape) if isinstance(got, torch.Tensor) else None
    if shape is not None and len(shape) < 2 and 1 in (b, t):
        return "squeeze() without a dim also drops B or T when they are 1: squeeze(-1)."
    if shape is not None and len(shape) > 3:
        return "indexing logits[..., targets], which takes every target for every position."
    return (
        "out[b, t] is logits[b, t, targets[b, t]]: gather along the last dim, "
        "logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)."
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("b, t", [(3, 5), (1, 4), (3, 1), (1, 1)])
def test_pick_takes_each_targets_logit(seed, b, t, device):
    gen = torch.Generator().manual_seed(seed)
    c = int(torch.randint(1, 7, (1,), generator=gen))
    logits = torch.randn(b, t, c, generator=gen).to(device)
    targets = torch.randint(c, (b, t), generator=gen).to(device)
    before, targets_before = logits.clone(), targets.clone()
    expected = torch.empty(b, t, device=device)
    for i in range(b):
        for j in range(t):
            expected[i, j] = logits[i, j, targets[i, j]]
    what = f"pick(logits, targets) for logits of shape {(b, t, c)}, targets of shape {(b, t)}"
    got = _pick(logits, targets, what)
    assert_tensor_close(got, expected, what=what, mistake=pick_mistake(got, b, t))
    assert_tensor_close(logits, before, what=f"logits after {what}", mistake="changed in place.")
    if targets.shape != targets_before.shape:
        changed = (
            "the caller's targets were changed in place: targets.unsqueeze_(-1) reshapes "
            "them; targets.unsqueeze(-1) makes a new view."
        )
    else:
        changed = "the caller's targets were written to in place (an in-place op on them)."
    assert_tensor_close(targets, targets_before, what=f"targets after {what}", mistake=changed)


@pytest.mark.task(4)
def test_pick_keeps_float64_and_reads_non_contiguous_logits(device):
    """pick returns logits' dtype (float64 here) and reads a transposed logits correctly"""
    gen = torch.Generator().manual_seed(12)
    logits = torch.randn(3, 5, 2, dtype=torch.float64, generator=gen).to(device).transpose(1, 2)
    targets = torch.randint(5, (3, 2), generator=gen).to(device)
    what = "pick(logits, targets) for float64, transposed logits of shape (3, 2, 5)"
    expected = logits.gather(-1, targets[..., None])[..., 0]
    assert_tensor_close(_pick(logits, targets, what), expected, what=what)


# ----------------------------------------------------------------------------- task 5


def _one_hot(labels, num_classes, dtype, what):
    __tracebackhide__ = True
    with forbid("torch.nn.functional.one_hot", kata=kata, why="Build it with scatter_."):
        try:
            return kata.one_hot(labels, num_classes, dtype)
        except NotImplementedError:
            raise
        except RuntimeError as err:
            if "numel() == 0" in str(err):
                raise AssertionError(
                    f"{what} raised RuntimeError: {err} Likely mistake: labels.min() / "
                    f"labels.max() on an empty tensor raise; check labels.numel() first (no "
                    f"labels means none out of range)."
                ) from err
            if "same number of dimensions" in str(err):
                cause = (
                    "scatter_'s index must have as many dimensions as the output: "
                    "labels.unsqueeze(1), shape (N, 1)."
                )
            elif "out of bounds for dimension 0" in str(err):
                cause = (
                    "scatter_ along dim 0 uses the labels as row numbers, and a label is past "
                    "the last row; scatter_(1, labels[:, None], 1) puts them in the columns."
                )
            else:
                cause = "zeros (N, C) then .scatter_(1, labels.unsqueeze(1), 1)."
            raise AssertionError(
                f"{what} raised RuntimeError: {err}; expected an (N, C) tensor with a 1 at "
                f"[i, labels[i]]. Likely mistake: {cause}"
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
    if isinstance(got, torch.Tensor) and got.shape == expected.shape and c > 1 and got.any():
        in_column_0 = not got[:, 1:].any()  # what scatter_(0, ...) leaves: ones in column 0
    else:
        in_column_0 = False
    if in_column_0:
        mistake = (
            "scatter_ along dim 0 puts the ones in the label's row, not its column: "
            "scatter_(1, labels[:, None], 1)."
        )
    else:
        mistake = "row i holds a single 1, in column labels[i]: scatter_(1, labels[:, None], 1)."
    assert_tensor_close(got, expected, what=what, mistake=mistake)


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


@pytest.mark.task(5)
def test_one_hot_of_no_labels_is_empty(device):
    """one_hot of an empty label tensor is (0, num_classes), not an error"""
    labels = torch.zeros(0, dtype=torch.int64, device=device)
    what = "one_hot(labels, 3) for an empty labels tensor of shape (0,)"
    got = _one_hot(labels, 3, torch.float32, what)
    assert_tensor_close(got, torch.zeros(0, 3, device=device), what=what)


@pytest.mark.task(5)
def test_one_hot_defaults_to_float32_and_leaves_labels_alone(device):
    """one_hot(labels, C) without a dtype gives float32, and does not change labels"""
    labels = torch.tensor([2, 0, 1, 2], device=device)
    before = labels.clone()
    what = "one_hot(labels, 3) with no dtype, for labels [2, 0, 1, 2]"
    with forbid("torch.nn.functional.one_hot", kata=kata, why="Build it with scatter_."):
        got = kata.one_hot(labels, 3)
    if labels.shape != before.shape:
        changed = (
            "the caller's labels were changed in place: labels.unsqueeze_(1) reshapes them; "
            "labels.unsqueeze(1) (or labels[:, None]) makes a new view."
        )
    else:
        changed = "the caller's labels were written to in place (an in-place op on them)."
    assert_tensor_close(labels, before, what=f"labels after {what}", mistake=changed)
    expected = torch.nn.functional.one_hot(before, 3).float()
    if isinstance(got, torch.Tensor) and got.dtype != torch.float32:
        raise AssertionError(
            f"{what} returned dtype {got.dtype}, expected torch.float32, the documented "
            f"default. Likely mistake: a default dtype of torch.int64 (as F.one_hot gives), or "
            f"a dtype taken from labels."
        )
    assert_tensor_close(got, expected, what=what)


# ----------------------------------------------------------------------------- task 6


def _zero_column(t: torch.Tensor, j: int, what: str) -> torch.Tensor:
    """Call zero_column_(t, j) and check it wrote into t itself, not into a new tensor."""
    __tracebackhide__ = True
    before = t.clone()
    ptr = t.data_ptr()
    got = kata.zero_column_(t, j)
    if torch.equal(t, before) and before[:, j].any():
        if isinstance(got, torch.Tensor) and got.shape == before[:, j].shape:
            raise AssertionError(
                f"{what} returned a new tensor of shape {tuple(got.shape)} and left t "
                f"unchanged: the zeros were never written into t. Likely mistake: t[:, j] * 0 "
                f"(or torch.zeros_like(t[:, j])) computes new zeros; write them into t through "
                f"the index: t[:, j] = 0."
            )
        raise AssertionError(
            f"{what} left t unchanged: the zeros were never written into t, but into a copy "
            f"of it (it returned {type(got).__name__}). Likely mistake: t.clone(), or "
            f"t.reshape(-1) / t.contiguous() on a non-contiguous t (both copy it), before the "
            f"write; write through a basic index of t itself: t[:, j] = 0."
        )
    if t.data_ptr() != ptr:
        raise AssertionError(
            f"{what} moved t to new memory (t.data_ptr() changed), expected a write in place."
        )
    if got is not t:
        cause = (
            "a missing `return t`"
            if got is None
            else "returning another tensor (a view such as t[:, j], or a copy) instead of t"
        )
        raise AssertionError(
            f"{what} returned {type(got).__name__}, expected t itself (the same object). "
            f"Likely mistake: {cause}; in-place functions return their tensor."
        )
    return before


@pytest.mark.task(6)
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_zero_column_writes_in_place_and_views_see_it(dtype, layout, where, device):
    """zero_column_ zeros column j of t itself, so views made earlier show the zeros"""
    gen = torch.Generator().manual_seed(13)
    n, m = 4, 5
    data = torch.randint(1, 9, (n, m) if layout == "contiguous" else (m, n), generator=gen)
    t = data.to(dtype).to(device)
    if layout == "transposed":
        t = t.t()  # (n, m), not contiguous
    j = {"first": 0, "middle": 2, "last": m - 1}[where]
    rows = t[1:]  # views of t made before the call
    flipped = t.t()
    what = f"zero_column_(t, {j}) for a {layout} {dtype} t of shape ({n}, {m})"
    before = _zero_column(t, j, what)
    expected = before.clone()
    expected[:, j] = 0
    if torch.equal(t[j % n], torch.zeros_like(t[0])) and not torch.equal(t, expected):
        raise AssertionError(
            f"{what} zeroed row {j}, expected column {j}. Likely mistake: t[j] = 0 indexes the "
            f"first dimension (rows); a column is t[:, j]."
        )
    assert_tensor_close(t, expected, what=f"t after {what}", mistake="zeros in the wrong place.")
    assert_tensor_close(
        rows,
        expected[1:],
        what=f"the view t[1:] made before {what}",
        mistake="the write did not go through t's storage.",
    )
    assert_tensor_close(
        flipped,
        expected.t(),
        what=f"the view t.t() made before {what}",
        mistake="the write did not go through t's storage.",
    )


@pytest.mark.task(6)
@pytest.mark.parametrize("j", [-1, -5, 5, 9])
def test_zero_column_rejects_columns_out_of_range(j, device):
    t = torch.ones(3, 5, device=device)
    before = t.clone()
    assert_raises(
        ValueError,
        kata.zero_column_,
        t,
        j,
        what=f"zero_column_(t, {j}) for t of shape (3, 5), columns 0 to 4",
        mistake="no range check on j: a negative j silently zeros a column counted from the "
        "end, and past the end torch raises IndexError; check 0 <= j < t.shape[1] first.",
    )
    assert_tensor_close(
        t,
        before,
        what=f"t after zero_column_(t, {j}) raised",
        mistake="the write happened before the range check.",
    )


# ----------------------------------------------------------------------------- task 7


def _take_rows(t: torch.Tensor, idx: torch.Tensor, what: str) -> torch.Tensor:
    __tracebackhide__ = True
    try:
        return kata.take_rows(t, idx)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if idx.dtype != torch.bool or "index" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: index_select (or gather) wants "
            f"integer row numbers; a bool mask selects by t[mask], which works for both kinds "
            f"of idx."
        ) from err


def check_take_rows(t: torch.Tensor, idx: torch.Tensor, expected: torch.Tensor, what: str):
    """take_rows(t, idx) equals expected, is a copy, and changes neither t nor idx."""
    __tracebackhide__ = True
    t_before, idx_before = t.clone(), idx.clone()
    got = _take_rows(t, idx, what)
    if idx.dtype == torch.bool and isinstance(got, torch.Tensor):
        if got.dim() == 1 and got.numel() == expected.numel() and expected.dim() > 1:
            raise AssertionError(
                f"{what} returned a 1-D tensor of {got.numel()} elements, expected rows of "
                f"shape {tuple(expected.shape)}. Likely mistake: t.masked_select(...) flattens "
                f"what it selects; t[mask] keeps the rows."
            )
        as_long = t_before[idx_before.long()]
        if got.shape == as_long.shape and torch.equal(got, as_long):
            raise AssertionError(
                f"{what} returned {got.shape[0]} rows, each row 0 or row 1 of t, expected the "
                f"{int(idx.sum())} rows where the mask is True. Likely mistake: idx.long() "
                f"turns the mask into the row numbers 0 and 1; index with the bool mask itself."
            )
    assert_tensor_close(got, expected, what=what)
    assert_tensor_close(idx, idx_before, what=f"idx after {what}", mistake="changed in place.")
    assert_tensor_close(t, t_before, what=f"t after {what}", mistake="changed in place.")
    if got is t or not outside_storage(got, t):
        raise AssertionError(
            f"{what} returned {'t itself' if got is t else 'a view into t'}"
            f" (its data lies inside t's storage), expected a copy. Likely mistake: a shortcut "
            f"that returns t (or a slice of it) when every row is taken; t[idx] always copies."
        )
    if got.numel():
        got.view(-1)[0] = got.view(-1)[0] + 1  # a write to the copy...
        assert_tensor_close(
            t,
            t_before,
            what=f"t after a write to the result of {what}",
            mistake="the result shares t's memory; it must be a copy.",
        )


def random_rows(gen: torch.Generator, layout: str, device) -> torch.Tensor:
    if layout == "transposed":
        return torch.randn(3, 6, generator=gen).to(device).t()  # (6, 3), not contiguous
    return torch.randn(6, 3, generator=gen).to(device)


@pytest.mark.task(7)
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("seed", range(3))
def test_take_rows_with_row_numbers_copies_them(seed, layout, device):
    """take_rows(t, idx) with int64 row numbers equals t.index_select(0, idx), as a copy"""
    gen = torch.Generator().manual_seed(seed)
    t = random_rows(gen, layout, device)
    for idx in [
        torch.randint(6, (int(torch.randint(1, 9, (1,), generator=gen)),), generator=gen),
        torch.randperm(6, generator=gen),  # every row, in another order
        torch.arange(6),  # every row, in order
        torch.zeros(0, dtype=torch.int64),  # no row
    ]:
        idx = idx.to(device)
        what = f"take_rows(t, idx) for a {layout} t of shape (6, 3), idx {idx.tolist()}"
        check_take_rows(t, idx, t.index_select(0, idx), what)


@pytest.mark.task(7)
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("seed", range(3))
def test_take_rows_with_a_mask_copies_the_true_rows(seed, layout, device):
    """take_rows(t, mask) with a bool mask equals t[mask], as a copy, all-True included"""
    gen = torch.Generator().manual_seed(seed)
    t = random_rows(gen, layout, device)
    some = torch.rand(6, generator=gen) < 0.5
    some[:2] = torch.tensor([False, True])  # never the same as rows 0 and 1 by chance
    for mask in [some, torch.ones(6, dtype=torch.bool), torch.zeros(6, dtype=torch.bool)]:
        mask = mask.to(device)
        what = f"take_rows(t, mask) for a {layout} t of shape (6, 3), mask {mask.int().tolist()}"
        check_take_rows(t, mask, t[mask], what)
