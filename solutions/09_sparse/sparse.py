"""Kata 09: sparse tensors (COO, CSR) and their memory. See README.md in this folder."""

import torch
from torch import Tensor


def coo_from_triplets(rows: Tensor, cols: Tensor, values: Tensor, shape: tuple[int, int]) -> Tensor:
    """A 2-D sparse COO tensor from (row, col, value) triplets; duplicate positions add up.

    rows, cols: (N,) long; values: (N,) floating point; all on one device; N may be 0.
    shape: (R, C). Returns a coalesced torch.sparse_coo tensor of size (R, C) with values'
    dtype and device: indices (2, nnz) long with unique, sorted positions, values (nnz,).
    The inputs are not changed. Raises ValueError if rows, cols and values differ in length
    or an index lies outside shape.
    """
    if not (rows.shape == cols.shape == values.shape and rows.dim() == 1):
        raise ValueError(
            f"rows, cols and values must be 1-D of one length, got {tuple(rows.shape)}, "
            f"{tuple(cols.shape)}, {tuple(values.shape)}"
        )
    n_rows, n_cols = shape
    if rows.numel() and (
        rows.min() < 0 or rows.max() >= n_rows or cols.min() < 0 or cols.max() >= n_cols
    ):
        raise ValueError(f"an index lies outside shape {tuple(shape)}")
    indices = torch.stack([rows, cols])  # (2, N)
    # coalesce sorts the positions and sums duplicates: one stored value per position
    return torch.sparse_coo_tensor(
        indices, values, size=(n_rows, n_cols), check_invariants=True
    ).coalesce()


def csr_from_dense(x: Tensor) -> Tensor:
    """The sparse CSR form of a 2-D dense tensor, built by hand (no x.to_sparse_*()).

    x: (R, C) strided tensor of any dtype and device; its nonzero elements are stored.
    Returns a torch.sparse_csr tensor of size (R, C), x's dtype and device, with
    crow_indices (R + 1,) long (crow[0] == 0, crow[i + 1] - crow[i] = nonzeros in row i),
    col_indices (nnz,) long ascending within each row, values (nnz,) in row-major order.
    x is not changed. Raises ValueError if x is not 2-D.
    """
    if x.dim() != 2:
        raise ValueError(f"x must be 2-D, got shape {tuple(x.shape)}")
    nonzero = x != 0  # (R, C) bool
    counts = nonzero.sum(dim=1)  # (R,) nonzeros per row
    crow = torch.zeros(x.shape[0] + 1, dtype=torch.long, device=x.device)
    crow[1:] = counts.cumsum(dim=0)  # row i's entries are crow[i]:crow[i + 1]
    cols = nonzero.nonzero()[:, 1]  # nonzero() walks row-major: rows in order, cols ascending
    values = x[nonzero]  # boolean indexing is row-major too
    # check_invariants=True validates crow/col (and silences torch's warning about skipping it)
    return torch.sparse_csr_tensor(crow, cols, values, size=x.shape, check_invariants=True)


def sparse_matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b for a sparse matrix a and a dense matrix b, without densifying a.

    a: (R, K) sparse, COO or CSR layout; b: (K, N) strided, same dtype and device.
    Returns a strided (R, N) tensor equal to a.to_dense() @ b (to rounding), without ever
    calling a.to_dense(). Neither input is changed. Raises ValueError if a is not sparse
    or the inner sizes differ.
    """
    if a.layout not in (torch.sparse_coo, torch.sparse_csr):
        raise ValueError(f"a must be a sparse COO or CSR tensor, got layout {a.layout}")
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply {tuple(a.shape)} by {tuple(b.shape)}")
    # the kernel walks only a's stored entries: cost grows with nnz, not R * K
    return torch.sparse.mm(a, b)  # (R, N) strided


def storage_bytes(t: Tensor) -> int:
    """Bytes of the tensors that hold t's data, for a strided, COO or CSR tensor.

    Strided: numel * element_size. COO: its indices plus its values. CSR: crow_indices
    plus col_indices plus values. (Python object overhead is not counted.) Returns an int.
    Raises ValueError for any other layout.
    """
    if t.layout == torch.strided:
        parts = [t]
    elif t.layout == torch.sparse_coo:
        parts = [t._indices(), t._values()]  # the underscored forms work uncoalesced too
    elif t.layout == torch.sparse_csr:
        parts = [t.crow_indices(), t.col_indices(), t.values()]
    else:
        raise ValueError(f"storage_bytes handles strided, COO and CSR tensors, not {t.layout}")
    return sum(p.numel() * p.element_size() for p in parts)
