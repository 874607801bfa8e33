"""Kata 74: TransE knowledge-graph embeddings. See README.md in this folder."""

import torch
from torch import Tensor, nn


class TransE(nn.Module):
    """TransE (Bordes et al., 2013): a relation is a translation, head + relation ~ tail."""

    def __init__(self, num_entities: int, num_relations: int, dim: int, p: int = 1) -> None:
        """Two embedding tables and the norm that measures a translation's error.

        Sets self.entities = nn.Embedding(num_entities, dim), self.relations =
        nn.Embedding(num_relations, dim) and self.p = p. Both weights are drawn uniform in
        [-6 / sqrt(dim), 6 / sqrt(dim)] (the paper's initialisation) from torch's global
        generator. Raises ValueError unless p is 1 or 2, num_entities >= 2,
        num_relations >= 1 and dim >= 1.
        """
        super().__init__()
        if p not in (1, 2):
            raise ValueError(f"p must be 1 or 2 (the L1 or L2 norm), got {p!r}")
        if num_entities < 2 or num_relations < 1 or dim < 1:
            raise ValueError(
                f"need num_entities >= 2, num_relations >= 1 and dim >= 1, got "
                f"{num_entities}, {num_relations}, {dim}"
            )
        self.entities = nn.Embedding(num_entities, dim)
        self.relations = nn.Embedding(num_relations, dim)
        self.p = p
        bound = 6 / dim**0.5
        nn.init.uniform_(self.entities.weight, -bound, bound)
        nn.init.uniform_(self.relations.weight, -bound, bound)

    def forward(self, triples: Tensor) -> Tensor:
        """The score of each triple: -||e[head] + r[relation] - e[tail]||_p.

        triples: (B, 3) long, columns (head, relation, tail), B >= 1, any strides, on the
        model's device. The p-norm is the plain norm (sum_k |v_k|^p)^(1/p), never squared,
        over the embedding dimension. Higher scores mean more plausible triples (a true
        triple scores near 0). Returns (B,) in the embeddings' dtype, carrying the graph
        to both tables. Raises ValueError when triples is not (B, 3).
        """
        if triples.dim() != 2 or triples.shape[1] != 3:
            raise ValueError(
                f"triples must be (B, 3): head, relation, tail; got {tuple(triples.shape)}"
            )
        heads = self.entities(triples[:, 0])  # (B, D)
        relations = self.relations(triples[:, 1])  # (B, D)
        tails = self.entities(triples[:, 2])  # (B, D)
        return -torch.linalg.vector_norm(heads + relations - tails, ord=self.p, dim=1)  # (B,)

    def normalize_entities_(self) -> None:
        """Rescale every entity embedding (each row of self.entities.weight) to L2 norm 1.

        TransE does this before each batch, to entities only: self.relations is not
        touched. Always the L2 norm, whatever self.p. A row of zeros stays zeros (divide
        by max(norm, 1e-12)). In place, under torch.no_grad(): afterwards
        self.entities.weight is the same Parameter object over the same storage (an
        optimizer holding it keeps working), still a leaf that requires grad, with no
        graph recorded. Returns None.
        """
        weight = self.entities.weight
        with torch.no_grad():
            # in place, so the Parameter (and any optimizer's reference to it) stays the same
            norms = torch.linalg.vector_norm(weight, dim=1, keepdim=True)  # (N, 1)
            weight.div_(norms.clamp_min(1e-12))


def margin_ranking_loss(pos_scores: Tensor, neg_scores: Tensor, margin: float) -> Tensor:
    """TransE's loss: the mean over the batch of max(0, margin - pos_score + neg_score).

    pos_scores, neg_scores: (B,) float, B >= 1, scores as TransE.forward gives them (higher
    is more plausible); neg_scores[i] belongs to the negative made from positive i. In
    distances d = -score this is max(0, margin + d(pos) - d(neg)): a pair costs nothing
    once the positive scores at least margin above its negative. Returns the 0-d mean over
    the B pairs (not their sum), carrying the graph of both inputs, which are not
    modified. Raises ValueError when the two are not both (B,) with the same B >= 1, or
    when margin < 0.
    """
    if pos_scores.dim() != 1 or pos_scores.shape != neg_scores.shape or pos_scores.numel() == 0:
        raise ValueError(
            f"pos_scores and neg_scores must both be (B,) with the same B >= 1, got "
            f"{tuple(pos_scores.shape)} and {tuple(neg_scores.shape)}"
        )
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    # in distances: margin + d(pos) - d(neg), with d = -score
    return torch.clamp(margin - pos_scores + neg_scores, min=0).mean()


def corrupt(
    triples: Tensor,
    num_entities: int,
    generator: torch.Generator,
    known: set[tuple[int, int, int]] | None = None,
) -> Tensor:
    """Negative samples: each triple with its head OR its tail (never both) replaced.

    triples: (B, 3) long, columns (head, relation, tail), on any device; not modified.
    For each row a fair coin picks the side (head or tail) and the new entity is drawn
    uniformly from 0 .. num_entities - 1; the relation and the other side are kept. Every
    draw comes from generator, a CPU torch.Generator (draw on the CPU, then move to
    triples.device); torch's global generator is never used, so the same generator state
    gives the same negatives.
    known: None (unfiltered: a corruption may by chance be a true triple, even the
    original), or a set of (head, relation, tail) tuples of Python ints, the true triples:
    a corrupted row that is in known is drawn again until it is not (the caller leaves
    each row at least one entity to draw on either side).
    Returns a new (B, 3) long tensor on triples.device. Raises ValueError when triples is
    not (B, 3) or num_entities < 2.
    """
    if triples.dim() != 2 or triples.shape[1] != 3:
        raise ValueError(
            f"triples must be (B, 3): head, relation, tail; got {tuple(triples.shape)}"
        )
    if num_entities < 2:
        raise ValueError(f"num_entities must be >= 2 to corrupt anything, got {num_entities}")
    original = triples.detach().cpu()
    out = original.clone()  # a new tensor: the caller's stays as it was
    rows = torch.arange(out.shape[0])
    while rows.numel() > 0:
        n = rows.numel()
        heads = torch.rand(n, generator=generator) < 0.5  # the coin: head or tail
        entities = torch.randint(num_entities, (n,), generator=generator)
        source = original[rows]  # (n, 3), a copy (advanced indexing)
        source[:, 0] = torch.where(heads, entities, source[:, 0])
        source[:, 2] = torch.where(heads, source[:, 2], entities)
        out[rows] = source
        if known is None:
            break
        # rows that hit a true triple are drawn again, until none does
        hits = [
            i for i, row in zip(rows.tolist(), source.tolist(), strict=True) if tuple(row) in known
        ]
        rows = torch.tensor(hits, dtype=torch.long)
    return out.to(triples.device)
