"""Kata 09: sparse tensors (COO, CSR) and their memory. See README.md in this folder."""

from torch import Tensor


def coo_from_triplets(rows: Tensor, cols: Tensor, values: Tensor, shape: tuple[int, int]) -> Tensor:
    """A 2-D sparse COO tensor from (row, col, value) triplets; duplicate positions add up.

    rows, cols: (N,) long; values: (N,) floating point; all on one device; N may be 0.
    shape: (R, C). Returns a coalesced torch.sparse_coo tensor of size (R, C) with values'
    dtype and device: indices (2, nnz) long with unique, sorted positions, values (nnz,).
    The inputs are not changed. Raises ValueError if rows, cols and values differ in length
    or an index lies outside shape.
    """
    # TODO: torch.sparse_coo_tensor(indices (2, N), values, size, check_invariants=True).coalesce()
    raise NotImplementedError("TODO: coo_from_triplets(rows, cols, values, shape)")


def csr_from_dense(x: Tensor) -> Tensor:
    """The sparse CSR form of a 2-D dense tensor, built by hand (no x.to_sparse_*()).

    x: (R, C) strided tensor of any dtype and device; its nonzero elements are stored.
    Returns a torch.sparse_csr tensor of size (R, C), x's dtype and device, with
    crow_indices (R + 1,) long (crow[0] == 0, crow[i + 1] - crow[i] = nonzeros in row i),
    col_indices (nnz,) long ascending within each row, values (nnz,) in row-major order.
    x is not changed. Raises ValueError if x is not 2-D.
    """
    # TODO: per-row counts, cumsum after a 0; torch.sparse_csr_tensor(check_invariants=True)
    raise NotImplementedError("TODO: csr_from_dense(x)")


def sparse_matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b for a sparse matrix a and a dense matrix b, without densifying a.

    a: (R, K) sparse, COO or CSR layout; b: (K, N) strided, same dtype and device.
    Returns a strided (R, N) tensor equal to a.to_dense() @ b (to rounding), without ever
    calling a.to_dense(). Neither input is changed. Raises ValueError if a is not sparse
    or the inner sizes differ.
    """
    # TODO: torch.sparse.mm (or a @ b works directly on a sparse a)
    raise NotImplementedError("TODO: sparse_matmul(a, b)")


def storage_bytes(t: Tensor) -> int:
    """Bytes of the tensors that hold t's data, for a strided, COO or CSR tensor.

    Strided: numel * element_size. COO: its indices plus its values. CSR: crow_indices
    plus col_indices plus values. (Python object overhead is not counted.) Returns an int.
    Raises ValueError for any other layout.
    """
    # TODO: t.layout; nbytes (numel() * element_size()) of each component tensor
    raise NotImplementedError("TODO: storage_bytes(t)")
