"""Kata 04: broadcasting. See README.md in this folder."""

from collections.abc import Callable

from torch import Tensor


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that broadcasting tensors of shapes a and b together gives.

    a, b: tuples of non-negative ints (() is a scalar). Pure Python: no tensors, and not
    torch.broadcast_shapes. The rules: align the shapes at their last dimension; a missing
    leading dimension counts as 1; two sizes are compatible when equal or when one is 1
    (the result takes the other, so 1 against 0 gives 0; 0 against 3 is incompatible).
    Raises ValueError naming both shapes as given, e.g. (8, 1, 6) and (7, 2), if some pair
    of sizes is incompatible.
    """
    ndim = max(len(a), len(b))
    pa = (1,) * (ndim - len(a)) + tuple(a)  # a missing leading dimension counts as 1
    pb = (1,) * (ndim - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(pa, pb, strict=True)):
        if x != y and x != 1 and y != 1:
            raise ValueError(
                f"shapes {tuple(a)} and {tuple(b)} do not broadcast: sizes {x} and {y} face "
                f"each other at dimension {i - ndim} (counted from the right)"
            )
        out.append(y if x == 1 else x)
    return tuple(out)


def pairwise_distances(x: Tensor, y: Tensor) -> Tensor:
    """Euclidean distances between every row of x and every row of y.

    x: (N, D), y: (M, D), floating point, same dtype and device, contiguous or not; N or
    M may be 1 or 0. Returns (N, M) with out[i, j] = ||x[i] - y[j]||_2, x's dtype and
    device. No Python loop over rows or elements (the number of torch calls must not grow
    with N, M or D) and not torch.cdist: broadcasting does the pairing. x and y are not
    changed.
    """
    diff = x[:, None, :] - y[None, :, :]  # (N, M, D)
    return diff.pow(2).sum(dim=-1).sqrt()  # (N, M)


def outer(a: Tensor, b: Tensor, op: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """The "outer" version of an elementwise binary op: out[i, j] = op(a[i], b[j]).

    a: (N,), b: (M,), op: an elementwise torch function of two tensors that broadcasts
    (torch.add, torch.sub, torch.maximum, torch.atan2, ...). N or M may be 1 or 0. Returns
    (N, M). op is called a fixed number of times, not once per element: no Python loop.
    a and b are not changed.
    """
    return op(a[:, None], b[None, :])  # (N, 1) op (1, M) -> (N, M)
