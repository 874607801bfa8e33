"""Kata 06: linear algebra with torch.einsum only. See README.md in this folder."""

from torch import Tensor


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """The matrix product a @ b. a: (I, K), b: (K, J). Returns (I, J).

    Every function in this kata uses torch.einsum for its products, sums and axis moves:
    no @, matmul, mm, bmm, mv, dot, inner, tensordot, bilinear, t, transpose, permute,
    swapaxes, .T, .mT or .sum. Multiplying or dividing by a scalar is fine. No function
    changes its inputs, and every one accepts non-contiguous inputs (transposed or sliced
    views) as well as contiguous ones.
    """
    # TODO: one einsum: the shared index k is summed because it is not in the output
    raise NotImplementedError("TODO: matmul(a, b)")


def transpose(a: Tensor) -> Tensor:
    """The transpose of a matrix. a: (I, J). Returns (J, I) with out[j, i] = a[i, j]."""
    # TODO: an einsum with one operand and the output indices swapped
    raise NotImplementedError("TODO: transpose(a)")


def dot(a: Tensor, b: Tensor) -> Tensor:
    """The inner product of two vectors. a, b: (K,). Returns a 0-d tensor."""
    # TODO: an index that appears in the inputs but not the output is summed over
    raise NotImplementedError("TODO: dot(a, b)")


def batched_matmul(a: Tensor, b: Tensor) -> Tensor:
    """A batch of matrix products. a: (B, I, K), b: (B, K, J). Returns (B, I, J)."""
    # TODO: keep the batch index in every operand and in the output
    raise NotImplementedError("TODO: batched_matmul(a, b)")


def bilinear(x: Tensor, weight: Tensor, y: Tensor) -> Tensor:
    """A bilinear form per sample and output: out[n, o] = sum_ij x[n, i] weight[o, i, j] y[n, j].

    x: (N, I), weight: (O, I, J), y: (N, J). Returns (N, O): what
    torch.nn.functional.bilinear(x, y, weight) gives without a bias.
    """
    # TODO: three operands in one einsum; the sample index n is shared by x, y and the output
    raise NotImplementedError("TODO: bilinear(x, weight, y)")


def attention_scores(q: Tensor, k: Tensor) -> Tensor:
    """Scaled dot-product attention scores, before the softmax.

    q: (B, H, T, D) queries, k: (B, H, S, D) keys, often non-contiguous (heads split off
    with .transpose(1, 2)). Returns (B, H, T, S) with
    out[b, h, t, s] = sum_d q[b, h, t, d] k[b, h, s, d] / sqrt(D).
    """
    # TODO: contract over d, keep b, h, t, s in that order, then scale by 1 / sqrt(D)
    raise NotImplementedError("TODO: attention_scores(q, k)")
