"""Kata 73: the NT-Xent (SimCLR) and InfoNCE contrastive losses. See README.md here."""

from torch import Tensor


def cosine_similarity_matrix(z: Tensor) -> Tensor:
    """All pairwise cosine similarities of the rows of z.

    z: (M, D) float. Each row is first scaled to unit length with
    F.normalize(z, dim=1) (eps 1e-12), so a row of zeros has similarity 0 with every row,
    itself included; no NaN. Returns (M, M), entry [i, j] = <z_i, z_j> / (|z_i| |z_j|),
    same dtype and device as z, carrying z's graph. z is not modified.
    """
    # TODO: unit-length rows (F.normalize), then every dot product at once
    raise NotImplementedError("TODO: cosine_similarity_matrix(z)")


def nt_xent(z1: Tensor, z2: Tensor, temperature: float) -> Tensor:
    """The NT-Xent loss of SimCLR over the 2N embeddings of N pairs of views.

    z1, z2: (N, D) float, the same shape; row i of z1 and row i of z2 are two views of
    sample i (a positive pair). Stack z = [z1; z2] (2N, D) and take
    s = cosine_similarity_matrix(z) / temperature. For each anchor k of the 2N, its
    positive is the other view of the same sample (k + N for k < N, k - N otherwise) and
    every other embedding except k itself is a negative:
        loss_k = -log( exp(s[k, pos(k)]) / sum_{j != k} exp(s[k, j]) )
    Self-similarity is excluded from the denominator (masked with -inf, not set to 0).
    Returns the 0-d mean of loss_k over all 2N anchors, so nt_xent(z1, z2) equals
    nt_xent(z2, z1). Finite for any temperature > 0, however small (log-sum-exp, never a
    plain exp). Carries the graph of z1 and z2; neither is modified. With N = 1 each
    anchor has only its positive, and the loss is 0. Raises ValueError when temperature
    <= 0 or z1, z2 are not both (N, D) with N >= 1 and the same shape.
    """
    # TODO: check the arguments; stack the views, similarities / temperature, take each row's
    # own entry out of the softmax (with what value?), a target per anchor, cross-entropy
    raise NotImplementedError("TODO: nt_xent(z1, z2, temperature)")


def info_nce(queries: Tensor, keys: Tensor, temperature: float) -> Tensor:
    """InfoNCE with in-batch negatives (one direction, as in CPC and MoCo without a queue).

    queries, keys: (N, D) float, the same shape; keys[i] is the positive of queries[i]
    and the other N - 1 keys are its negatives. With s = the cosine similarities of every
    query with every key (N, N) divided by temperature,
        loss_i = -log( exp(s[i, i]) / sum_j exp(s[i, j]) )
    and the result is the 0-d mean over the N queries (a cross-entropy over each query's
    row, the target on the diagonal). Stable for small temperatures; carries the graph;
    no input is modified. Raises ValueError when temperature <= 0 or the shapes are not
    both (N, D) with N >= 1 and equal.
    """
    # TODO: check the arguments; queries against keys, / temperature, the positives on the
    # diagonal, cross-entropy
    raise NotImplementedError("TODO: info_nce(queries, keys, temperature)")
