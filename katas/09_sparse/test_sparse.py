"""Tests for kata 09: sparse COO and CSR tensors, checked against dense math and torch."""

import pytest
import torch

from torchkatas.harness import assert_tensor_close, forbid, load_kata

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
            mistake="rows and cols swapped, or duplicates overwritten instead of added.",
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_coo_is_coalesced_with_one_entry_per_position(seed, device):
    shape = (4, 5)
    rows, cols, values = random_triplets(seed, shape, 30, device)  # 30 triplets, 20 positions
    got = kata.coo_from_triplets(rows, cols, values, shape)
    check_layout(got, torch.sparse_coo, "coo_from_triplets(...)")
    positions = len(set(zip(rows.tolist(), cols.tolist(), strict=True)))
    if not got.is_coalesced() or got._nnz() != positions:
        raise AssertionError(
            f"coo_from_triplets with 30 triplets on {positions} distinct positions returned "
            f"a tensor that is not coalesced: is_coalesced()={got.is_coalesced()}, "
            f"nnz={got._nnz()}, expected nnz={positions}. Duplicate (row, col) entries are "
            f"still stored separately. Likely mistake: forgetting .coalesce()."
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
def test_coo_keeps_inputs_and_rejects_bad_triplets(device):
    rows, cols, values = random_triplets(7, (3, 3), 5, device)
    copies = [t.clone() for t in (rows, cols, values)]
    kata.coo_from_triplets(rows, cols, values, (3, 3))
    for name, t, c in zip(("rows", "cols", "values"), (rows, cols, values), copies, strict=True):
        if not torch.equal(t, c):
            raise AssertionError(f"coo_from_triplets changed the caller's {name}.")
    with pytest.raises(ValueError):
        kata.coo_from_triplets(rows, cols[:-1], values, (3, 3))
    with pytest.raises(ValueError):
        kata.coo_from_triplets(rows, cols, values, (3, 2) if cols.max() == 2 else (2, 3))


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
            raise AssertionError(
                f"{what} raised RuntimeError: {err}. Likely mistake: crow_indices must have "
                f"R + 1 entries, starting at 0 (a cumsum of per-row counts with a 0 in front)."
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
def test_csr_rejects_non_matrix(device):
    with pytest.raises(ValueError):
        kata.csr_from_dense(torch.ones(2, 2, 2, device=device))


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


@pytest.mark.task(3)
def test_sparse_matmul_rejects_dense_or_mismatched(device):
    b = torch.ones(3, 2, dtype=torch.float64, device=device)
    with pytest.raises(ValueError):
        kata.sparse_matmul(torch.ones(4, 3, dtype=torch.float64, device=device), b)
    with pytest.raises(ValueError):
        kata.sparse_matmul(torch.ones(4, 5, dtype=torch.float64, device=device).to_sparse(), b)


# ----------------------------------------------------------------------------- task 4


def expected_bytes(t: torch.Tensor) -> int:
    if t.layout == torch.sparse_coo:
        parts = [t.indices(), t.values()]
    elif t.layout == torch.sparse_csr:
        parts = [t.crow_indices(), t.col_indices(), t.values()]
    else:
        parts = [t]
    return sum(p.numel() * p.element_size() for p in parts)


def check_bytes(t: torch.Tensor, what: str) -> int:
    __tracebackhide__ = True
    got = kata.storage_bytes(t)
    expected = expected_bytes(t)
    if got != expected:
        why = "count every component tensor: numel() * element_size() of each."
        if t.layout != torch.strided and got == t.numel() * t.element_size():
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
def test_storage_bytes_rejects_other_layouts(device):
    x = torch.eye(4, device=device).to_sparse_csc()
    with pytest.raises(ValueError):
        kata.storage_bytes(x)
