"""Tests for kata 09: sparse COO and CSR tensors, checked against dense math and torch."""

import pytest
import torch

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

SHAPES = [(1, 1), (1, 7), (6, 1), (5, 8), (13, 9)]


def random_sparse_dense(seed: int, shape, density: float, device, dtype=torch.float64):
    """A dense (R, C) tensor with about `density` of its elements nonzero."""
    gen = torch.Generator().manual_seed(seed)
    values = torch.randn(shape, generator=gen, dtype=torch.float64) + 0.5
    keep = torch.rand(shape, generator=gen) < density
    return torch.where(keep, values, 0.0).to(device, dtype)


def check_layout(t, layout, what: str) -> None:
    __tracebackhide__ = True
    if not isinstance(t, torch.Tensor) or t.layout != layout:
        got = t.layout if isinstance(t, torch.Tensor) else type(t).__name__
        raise AssertionError(f"{what}: expected a tensor with layout {layout}, got {got}.")


# ----------------------------------------------------------------------------- task 1


def random_triplets(seed: int, shape, n: int, device):
    gen = torch.Generator().manual_seed(seed)
    rows = torch.randint(shape[0], (n,), generator=gen)
    cols = torch.randint(shape[1], (n,), generator=gen)
    values = torch.randn(n, generator=gen, dtype=torch.float64)
    return rows.to(device), cols.to(device), values.to(device)


def dense_from_triplets(rows, cols, values, shape):
    """The plain loop: add each value at its position."""
    dense = torch.zeros(shape, dtype=values.dtype)
    for r, c, v in zip(rows.tolist(), cols.tolist(), values.tolist(), strict=True):
        dense[r, c] += v
    return dense.to(values.device)


def coo_values_mistake(got, rows, cols, values, shape) -> str:
    """Why coo_from_triplets' densified result is wrong: swapped axes, overwritten duplicates."""
    dense = got.to_dense() if isinstance(got, torch.Tensor) and got.is_sparse else got
    if not isinstance(dense, torch.Tensor):
        return "build torch.sparse_coo_tensor(torch.stack([rows, cols]), values, shape)."
    dense = dense.detach().to("cpu", torch.float64)
    swapped = dense_from_triplets(cols, rows, values, shape[::-1]).cpu()
    if shape[0] != shape[1] and dense.shape == swapped.shape:
        return "rows and cols swapped: the indices are torch.stack([rows, cols]), rows first."
    if dense.shape == swapped.shape and torch.allclose(dense, swapped, atol=1e-12):
        return "rows and cols swapped: the indices are torch.stack([rows, cols]), rows first."
    r, c, v = rows.cpu(), cols.cpu(), values.cpu().to(torch.float64)
    for order in (torch.arange(r.numel()), torch.arange(r.numel()).flip(0)):  # last or first wins
        kept = torch.zeros(shape, dtype=torch.float64)
        for i in order.tolist():
            kept[r[i], c[i]] = v[i]
        if dense.shape == kept.shape and torch.allclose(dense, kept, atol=1e-12):
            return (
                "duplicates overwritten instead of added (an index assignment keeps one of "
                "them): sparse_coo_tensor(...).coalesce() sums them."
            )
    return (
        "neither swapped rows and cols nor overwritten duplicates explain it: out[r, c] is the "
        "sum of the values of every triplet at (r, c), from sparse_coo_tensor(torch.stack("
        "[rows, cols]), values, shape).coalesce()."
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_coo_equals_dense_sum_of_triplets(seed, device):
    for shape in SHAPES:
        # more triplets than positions in small shapes, so duplicates are certain
        rows, cols, values = random_triplets(seed, shape, 2 * shape[0] * shape[1] // 3 + 2, device)
        what = f"coo_from_triplets(rows, cols, values, {shape}) with {rows.numel()} triplets"
        got = kata.coo_from_triplets(rows, cols, values, shape)
        check_layout(got, torch.sparse_coo, what)
        assert_tensor_close(
            got,
            dense_from_triplets(rows, cols, values, shape),
            what=what + " (densified)",
            rtol=1e-12,
            atol=1e-12,
            mistake=coo_values_mistake(got, rows, cols, values, shape),
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_coo_is_coalesced_with_one_entry_per_position(seed, device):
    shape = (4, 5)
    rows, cols, values = random_triplets(seed, shape, 30, device)  # 30 triplets, 20 positions
    got = kata.coo_from_triplets(rows, cols, values, shape)
    check_layout(got, torch.sparse_coo, "coo_from_triplets(...)")
    positions = len(set(zip(rows.tolist(), cols.tolist(), strict=True)))
    if not got.is_coalesced():
        raise AssertionError(
            f"coo_from_triplets with 30 triplets on {positions} distinct positions returned "
            f"a tensor that is not coalesced: is_coalesced()=False, nnz={got._nnz()}, "
            f"expected nnz={positions}. Duplicate (row, col) entries may still be stored "
            f"separately. Likely mistake: forgetting .coalesce()."
        )
    if got._nnz() != positions:
        raise AssertionError(
            f"coo_from_triplets with 30 triplets on {positions} distinct positions returned "
            f"a tensor marked coalesced (is_coalesced()=True) with nnz={got._nnz()}, expected "
            f"nnz={positions}, one entry per position. Likely mistake: the flag set by hand "
            f"(_coalesced_(True)) without merging the duplicates, or entries dropped or added "
            f"(zeros removed?); .coalesce() merges them and keeps every position."
        )


@pytest.mark.task(1)
def test_coo_of_no_triplets_is_all_zero(device):
    empty = torch.zeros(0, dtype=torch.long, device=device)
    got = kata.coo_from_triplets(empty, empty, torch.zeros(0, device=device), (3, 2))
    check_layout(got, torch.sparse_coo, "coo_from_triplets with no triplets")
    assert_tensor_close(
        got, torch.zeros(3, 2, device=device), what="coo_from_triplets with no triplets"
    )


@pytest.mark.task(1)
def test_coo_leaves_the_callers_triplets_untouched(device):
    # strided inputs, as a caller slicing one (N, 2) index table and a longer values buffer has
    gen = torch.Generator().manual_seed(7)
    table = torch.randint(3, (9, 2), generator=gen).to(device)
    rows, cols = table[:, 0], table[:, 1]  # non-contiguous columns
    values = torch.randn(18, generator=gen, dtype=torch.float64).to(device)[::2]
    copies = [t.clone() for t in (rows, cols, values)]
    got = kata.coo_from_triplets(rows, cols, values, (3, 3))
    for name, t, c in zip(("rows", "cols", "values"), (rows, cols, values), copies, strict=True):
        if not torch.equal(t, c):
            raise AssertionError(
                f"coo_from_triplets(rows, cols, values, (3, 3)) with 9 strided triplets changed "
                f"the caller's {name}: it was {c.tolist()}, it is now {t.tolist()}. Likely "
                f"mistake: sorting or editing the triplets in place (t[:] = ..., an op ending "
                f"in _): work on new tensors."
            )
    check_layout(got, torch.sparse_coo, "coo_from_triplets(...) with strided triplets")
    assert_tensor_close(
        got,
        dense_from_triplets(rows, cols, values, (3, 3)),
        what="coo_from_triplets(...) with non-contiguous rows, cols and values (densified)",
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("short", ["cols", "values"])
def test_coo_rejects_triplets_of_different_lengths(short, device):
    rows, cols, values = random_triplets(7, (3, 3), 5, device)
    if short == "cols":
        cols = cols[:-1]
    else:
        values = values[:-1]
    assert_raises(
        ValueError,
        kata.coo_from_triplets,
        rows,
        cols,
        values,
        (3, 3),
        what=f"coo_from_triplets with 5 rows, {cols.numel()} cols and {values.numel()} values",
        mistake="compare the lengths of all three (rows with cols and with values) and "
        "raise ValueError before torch sees them.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "bad",
    [
        pytest.param((3, 0), id="row-equals-R"),
        pytest.param((0, 4), id="col-equals-C"),
        pytest.param((-1, 0), id="negative-row"),
        pytest.param((0, -1), id="negative-col"),
    ],
)
def test_coo_rejects_an_index_outside_shape(bad, device):
    rows = torch.tensor([0, 2, bad[0]], device=device)
    cols = torch.tensor([1, 3, bad[1]], device=device)
    values = torch.ones(3, dtype=torch.float64, device=device)
    assert_raises(
        ValueError,
        kata.coo_from_triplets,
        rows,
        cols,
        values,
        (3, 4),
        what=f"coo_from_triplets(rows={rows.tolist()}, cols={cols.tolist()}, ..., (3, 4)) with "
        f"the triplet at {bad} outside the shape",
        mistake="no bound check, or one that forgets negative indices (min() < 0)."
        if min(bad) < 0
        else "no bound check, or one with > instead of >= (index R is outside a size of R).",
    )


@pytest.mark.task(1)
def test_coo_accepts_the_last_row_and_column(device):
    rows = torch.tensor([2, 0], device=device)
    cols = torch.tensor([3, 0], device=device)
    values = torch.tensor([1.5, -2.0], dtype=torch.float64, device=device)
    what = "coo_from_triplets(rows=[2, 0], cols=[3, 0], values, (3, 4)): (2, 3) is the last cell"
    try:
        got = kata.coo_from_triplets(rows, cols, values, (3, 4))
    except ValueError as err:
        raise AssertionError(
            f"{what}: raised ValueError: {err}. Likely mistake: a bound check off by one "
            f"(>= R - 1 instead of >= R), or rows checked against C and cols against R: the "
            f"indices 0 .. R - 1 are all inside."
        ) from err
    check_layout(got, torch.sparse_coo, what)
    assert_tensor_close(got, dense_from_triplets(rows, cols, values, (3, 4)), what=what)


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("density", [0.0, 0.1, 0.5, 1.0])
def test_csr_components_match_torch(density, device):
    for i, shape in enumerate(SHAPES):
        x = random_sparse_dense(i, shape, density, device)
        what = f"csr_from_dense(x) for x of shape {shape}, density {density}"
        try:
            with forbid(
                "torch.Tensor.to_sparse_csr",
                "torch.Tensor.to_sparse",
                kata=kata,
                why="Build crow_indices, col_indices and values yourself.",
            ):
                got = kata.csr_from_dense(x)
        except NotImplementedError:
            raise
        except RuntimeError as err:
            if "crow_indices" in str(err):
                cause = (
                    "crow_indices must have R + 1 entries, starting at 0 (a cumsum of per-row "
                    "counts with a 0 in front)."
                )
            else:
                cause = (
                    "torch.sparse_csr_tensor(crow_indices, col_indices, values, size=x.shape) "
                    "takes R + 1 row pointers, one column per nonzero, and the nonzeros in "
                    "row-major order."
                )
            raise AssertionError(
                f"{what} raised RuntimeError: {err}; expected a CSR tensor equal to x. "
                f"Likely mistake: {cause}"
            ) from err
        check_layout(got, torch.sparse_csr, what)
        expected = x.to_sparse_csr()
        assert_tensor_close(
            got.crow_indices(),
            expected.crow_indices(),
            what=what + ": crow_indices",
            mistake="crow_indices must start at 0 and hold the running count, R + 1 entries.",
        )
        assert_tensor_close(got.col_indices(), expected.col_indices(), what=what + ": col_indices")
        assert_tensor_close(got.values(), expected.values(), what=what + ": values")
        assert_tensor_close(got, x, what=what + " (densified)")


@pytest.mark.task(2)
def test_csr_keeps_dtype_and_non_contiguous_input(device):
    x = random_sparse_dense(3, (7, 4), 0.4, device, torch.float32).t()  # (4, 7) view
    got = kata.csr_from_dense(x)
    check_layout(got, torch.sparse_csr, "csr_from_dense(x.t())")
    assert_tensor_close(got, x, what="csr_from_dense(x.t()) for a float32 transposed view")


@pytest.mark.task(2)
def test_csr_leaves_x_untouched(device):
    x = random_sparse_dense(4, (5, 6), 0.5, device)
    x[0, 0], x[1, 1], x[2, 2] = 1e-300, -0.0, -3e-9  # tiny but nonzero; -0.0 is a zero
    before = x.clone()
    got = kata.csr_from_dense(x)
    if not torch.equal(x, before) or x.signbit().tolist() != before.signbit().tolist():
        changed = int((x != before).sum())
        raise AssertionError(
            f"csr_from_dense(x) for x of shape (5, 6) changed the caller's x ({changed} "
            f"elements differ, x[0, 0] was 1e-300 and is now {x[0, 0].item():.3g}). Likely "
            f"mistake: an in-place op on x (masked_fill_, x[mask] = 0, ne_ instead of ne): "
            f"read x, build new tensors."
        )
    check_layout(got, torch.sparse_csr, "csr_from_dense(x) with tiny nonzeros")
    assert_tensor_close(
        got.values(),
        x.to_sparse_csr().values(),
        what="csr_from_dense(x) with values 1e-300 and -3e-9 (nonzero) and -0.0 (zero): values",
        mistake="every element != 0 is stored, however small; -0.0 == 0 is not.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [torch.int32, torch.bool])
def test_csr_keeps_integer_and_bool_dtypes(dtype, device):
    x = (random_sparse_dense(5, (4, 5), 0.4, device) * 3).to(dtype)
    what = f"csr_from_dense(x) for a {dtype} x of shape (4, 5)"
    got = kata.csr_from_dense(x)
    check_layout(got, torch.sparse_csr, what)
    expected = x.to_sparse_csr()
    assert_tensor_close(got.crow_indices(), expected.crow_indices(), what=what + ": crow_indices")
    assert_tensor_close(got.values(), expected.values(), what=what + ": values")
    assert_tensor_close(got, x, what=what + " (densified)")


@pytest.mark.task(2)
@pytest.mark.parametrize("shape", [(2, 2, 2), (5,), ()], ids=["3-D", "1-D", "0-d"])
def test_csr_rejects_non_matrix(shape, device):
    x = torch.ones(shape, device=device)
    assert_raises(
        ValueError,
        kata.csr_from_dense,
        x,
        what=f"csr_from_dense(x) for x of shape {shape}, not 2-D",
        mistake="check x.dim() == 2 first and raise ValueError; CSR is a matrix layout.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("layout", ["coo", "csr"])
@pytest.mark.parametrize("seed", range(3))
def test_sparse_matmul_equals_dense_matmul(layout, seed, device):
    gen = torch.Generator().manual_seed(100 + seed)
    for i, (r, k) in enumerate(SHAPES):
        n = int(torch.randint(1, 6, (1,), generator=gen))
        x = random_sparse_dense(seed * 10 + i, (r, k), 0.3, device)
        b = torch.randn(k, n, generator=gen, dtype=torch.float64).to(device)
        a = x.to_sparse_coo() if layout == "coo" else x.to_sparse_csr()
        what = f"sparse_matmul(a, b) for {layout.upper()} a of shape {(r, k)}, b of {(k, n)}"
        with forbid(
            "torch.Tensor.to_dense",
            kata=kata,
            why="sparse @ dense must not densify a: use torch.sparse.mm or a @ b.",
        ):
            got = kata.sparse_matmul(a, b)
        if got.layout != torch.strided:
            raise AssertionError(f"{what} returned layout {got.layout}; expected a dense result.")
        assert_tensor_close(got, x @ b, what=what, rtol=1e-12, atol=1e-12)


def uncoalesced_coo(device):
    """A (3, 4) COO tensor storing (0, 1) twice and its entries out of order: not coalesced."""
    indices = torch.tensor([[2, 0, 0, 1], [3, 1, 1, 0]], device=device)
    values = torch.tensor([4.0, 1.0, 2.0, -3.0], dtype=torch.float64, device=device)
    return torch.sparse_coo_tensor(indices, values, (3, 4), check_invariants=True)


@pytest.mark.task(3)
def test_sparse_matmul_takes_uncoalesced_coo_and_leaves_inputs_untouched(device):
    a = uncoalesced_coo(device)
    b = torch.arange(8, dtype=torch.float64, device=device).reshape(4, 2)
    a_indices, a_values, b_before = a._indices().clone(), a._values().clone(), b.clone()
    dense = torch.zeros(3, 4, dtype=torch.float64, device=device)
    dense[2, 3], dense[0, 1], dense[1, 0] = 4.0, 3.0, -3.0
    what = "sparse_matmul(a, b) for an uncoalesced COO a (3, 4) with (0, 1) stored twice"
    try:
        got = kata.sparse_matmul(a, b)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "uncoalesced" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: a.indices() and a.values() "
            f"refuse an uncoalesced tensor: use torch.sparse.mm(a, b), or a.coalesce() (a new "
            f"tensor; a itself stays as it is)."
        ) from err
    if a.is_coalesced() or not (
        torch.equal(a._indices(), a_indices) and torch.equal(a._values(), a_values)
    ):
        raise AssertionError(
            f"{what} changed the caller's a: is_coalesced() is now {a.is_coalesced()} (it was "
            f"False), indices {a._indices().tolist()}, values {a._values().tolist()}. Likely "
            f"mistake: a._coalesced_(True) or another in-place call on a: coalesce() returns a "
            f"new tensor instead."
        )
    if not torch.equal(b, b_before):
        raise AssertionError(f"{what} changed the caller's b. Likely mistake: an in-place op on b.")
    counted_once = []  # (0, 1) counted once, with either of its two stored values
    for kept in (1.0, 2.0):
        once = dense.clone()
        once[0, 1] = kept
        counted_once.append(once @ b)
    if isinstance(got, torch.Tensor) and any(
        got.shape == m.shape and torch.allclose(got.to(m.dtype), m) for m in counted_once
    ):
        mistake = "duplicates must add up (1 + 2): the entry (0, 1) was counted once."
    else:
        mistake = "a @ b with the duplicates of a added up (1 + 2): torch.sparse.mm(a, b)."
    assert_tensor_close(got, dense @ b, what=what, mistake=mistake)


@pytest.mark.task(3)
def test_sparse_matmul_rejects_a_dense_a(device):
    assert_raises(
        ValueError,
        kata.sparse_matmul,
        torch.ones(4, 3, dtype=torch.float64, device=device),
        torch.ones(3, 2, dtype=torch.float64, device=device),
        what="sparse_matmul(a, b) for a strided (dense) a of shape (4, 3)",
        mistake="no layout check: torch.sparse.mm also multiplies two dense matrices, so "
        "test a.layout in (torch.sparse_coo, torch.sparse_csr) yourself.",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("layout", ["coo", "csr"])
def test_sparse_matmul_rejects_mismatched_inner_sizes(layout, device):
    x = torch.ones(4, 5, dtype=torch.float64, device=device)
    a = x.to_sparse_coo() if layout == "coo" else x.to_sparse_csr()
    assert_raises(
        ValueError,
        kata.sparse_matmul,
        a,
        torch.ones(3, 2, dtype=torch.float64, device=device),
        what=f"sparse_matmul(a, b) for a {layout.upper()} a of shape (4, 5) and b of (3, 2)",
        mistake="no check that a.shape[1] == b.shape[0]: torch raises RuntimeError, the "
        "docstring asks for ValueError.",
    )


# ----------------------------------------------------------------------------- task 4


def expected_bytes(t: torch.Tensor) -> int:
    if t.layout == torch.sparse_coo:
        parts = [t._indices(), t._values()]  # as stored, coalesced or not
    elif t.layout == torch.sparse_csr:
        parts = [t.crow_indices(), t.col_indices(), t.values()]
    else:
        parts = [t]
    return sum(p.numel() * p.element_size() for p in parts)


def check_bytes(t: torch.Tensor, what: str) -> int:
    __tracebackhide__ = True
    got = kata.storage_bytes(t)
    expected = expected_bytes(t)
    if not isinstance(got, int) or isinstance(got, bool):
        if isinstance(got, torch.Tensor):
            cause = (
                "a count taken from a tensor (crow_indices()[-1], t.sum()) left as a 0-d "
                "tensor: convert with int(...) or use .numel()."
            )
        else:
            cause = "a division (/ gives a float) or another non-int result: return int(...)."
        raise AssertionError(
            f"storage_bytes({what}) returned {got!r} ({type(got).__name__}), not an int. "
            f"Likely mistake: {cause}"
        )
    if got != expected:
        why = "count every component tensor: numel() * element_size() of each."
        indices = [t._indices()] if t.layout == torch.sparse_coo else []
        if t.layout == torch.sparse_csr:
            indices = [t.crow_indices(), t.col_indices()]
        if t.layout == torch.strided and got == t.untyped_storage().nbytes():
            why = (
                "counted the whole storage behind a view (untyped_storage().nbytes()): the "
                "docstring asks for numel * element_size, the elements t itself holds."
            )
        elif (
            t.layout == torch.sparse_coo
            and not t.is_coalesced()
            and (got == expected_bytes(t.coalesce()))
        ):
            why = (
                "coalesced t before counting: an uncoalesced tensor stores every duplicate; "
                "count t._indices() and t._values() as they are."
            )
        elif indices and got == expected + sum(i.numel() * (8 - i.element_size()) for i in indices):
            why = "assumed int64 indices: CSR indices may be int32, use each one's element_size()."
        elif t.layout != torch.strided and got == t.numel() * t.element_size():
            why = (
                "counted the dense size: a sparse tensor's numel() is R * C, the size it "
                "stands for, not what it stores."
            )
        elif t.layout != torch.strided and got == t.values().numel() * t.element_size():
            why = "forgot the indices: a sparse tensor stores int64 indices beside its values."
        raise AssertionError(
            f"storage_bytes({what}) returned {got}, expected {expected}. Likely mistake: {why}"
        )
    return got


@pytest.mark.task(4)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_storage_bytes_counts_every_component(dtype, device):
    for i, shape in enumerate(SHAPES):
        x = random_sparse_dense(i, shape, 0.3, device, dtype)
        check_bytes(x, f"dense {shape} {dtype}")
        check_bytes(x.to_sparse_coo(), f"COO {shape} {dtype}")
        check_bytes(x.to_sparse_csr(), f"CSR {shape} {dtype}")


@pytest.mark.task(4)
@pytest.mark.parametrize("sparsity", [0.9, 0.95, 0.99])
def test_sparse_is_smaller_above_ninety_percent_zeros(sparsity, device):
    # float32 COO costs 4 + 2 * 8 = 20 bytes per nonzero against 4 per dense element:
    # it wins only below 20% density; CSR (4 + 8 per nonzero, plus the rows) below ~33%
    x = random_sparse_dense(int(sparsity * 100), (64, 48), 1 - sparsity, device, torch.float32)
    dense = check_bytes(x, "a dense (64, 48) float32 tensor")
    for layout, sparse in (("COO", x.to_sparse_coo()), ("CSR", x.to_sparse_csr())):
        stored = check_bytes(sparse, f"its {layout} form with sparsity {sparsity}")
        if not stored < dense:
            raise AssertionError(
                f"storage_bytes says {layout} at {sparsity:.0%} zeros takes {stored} bytes, "
                f"not less than the dense {dense}."
            )


@pytest.mark.task(4)
def test_sparse_is_larger_when_mostly_nonzero(device):
    x = random_sparse_dense(5, (32, 32), 0.9, device, torch.float32)
    dense = check_bytes(x, "a dense (32, 32) float32 tensor")
    coo = check_bytes(x.to_sparse_coo(), "its COO form at 10% zeros")
    if not coo > dense:
        raise AssertionError(
            f"storage_bytes says COO at 10% zeros takes {coo} bytes, not more than the dense "
            f"{dense}; with two int64 indices per value it should be about 4.5 times larger."
        )


@pytest.mark.task(4)
@pytest.mark.parametrize("view", ["sliced", "transposed", "expanded"])
def test_storage_bytes_of_a_strided_view_counts_its_elements(view, device):
    base = random_sparse_dense(6, (6, 8), 1.0, device, torch.float32)
    x = {"sliced": base[1:4, ::2], "transposed": base.t(), "expanded": base[:1].expand(5, 8)}[view]
    check_bytes(x, f"a {view} float32 view of shape {tuple(x.shape)}")


@pytest.mark.task(4)
def test_storage_bytes_counts_an_uncoalesced_coo_as_stored(device):
    check_bytes(uncoalesced_coo(device), "an uncoalesced float64 COO (3, 4) with 4 stored entries")


@pytest.mark.task(4)
def test_storage_bytes_counts_int32_csr_indices(device):
    x = random_sparse_dense(8, (6, 5), 0.4, device, torch.float32)
    full = x.to_sparse_csr()
    csr = torch.sparse_csr_tensor(
        full.crow_indices().to(torch.int32),
        full.col_indices().to(torch.int32),
        full.values(),
        size=x.shape,
        check_invariants=True,
    )
    check_bytes(csr, "a float32 CSR (6, 5) with int32 crow_indices and col_indices")


@pytest.mark.task(4)
@pytest.mark.parametrize("layout", ["csc", "bsr"])
def test_storage_bytes_rejects_other_layouts(layout, device):
    eye = torch.eye(4, device=device)
    x = eye.to_sparse_csc() if layout == "csc" else eye.to_sparse_bsr((2, 2))
    assert_raises(
        ValueError,
        kata.storage_bytes,
        x,
        what=f"storage_bytes(t) for a {x.layout} tensor",
        mistake="an else branch that treats every other layout as strided or CSR: test "
        "t.layout against strided, sparse_coo and sparse_csr and raise ValueError otherwise.",
    )
