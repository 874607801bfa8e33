"""Tests for kata 74: TransE scores and margin ranking loss against plain loops in float64,
negative sampling by its contract (one side, seeded, filtered), and entity renormalisation."""

import math
from collections import Counter

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)


# ----------------------------------------------------------------------------- helpers


def random_triples(gen, batch, num_entities, num_relations, device):
    heads = torch.randint(num_entities, (batch,), generator=gen)
    relations = torch.randint(num_relations, (batch,), generator=gen)
    tails = torch.randint(num_entities, (batch,), generator=gen)
    return torch.stack([heads, relations, tails], dim=1).to(device)


def make_model(gen, num_entities, num_relations, dim, p, device):
    """The learner's TransE in float64, with random tables of varied row lengths."""
    model = kata.TransE(num_entities, num_relations, dim, p=p).double()
    with torch.no_grad():
        scale = torch.rand(num_entities, 1, generator=gen, dtype=torch.float64) * 2 + 0.1
        entities = torch.randn(num_entities, dim, generator=gen, dtype=torch.float64) * scale
        model.entities.weight.copy_(entities)
        model.relations.weight.copy_(
            torch.randn(num_relations, dim, generator=gen, dtype=torch.float64)
        )
    return model.to(device)


def p_norm(vector: list[float], p: float) -> float:
    return sum(abs(v) ** p for v in vector) ** (1 / p)


def loop_scores(model, triples, p, *, variant="right") -> list[float]:
    """-||h + r - t||_p for each row, by a loop over Python floats; variants for evidence."""
    entities = model.entities.weight.detach().double().cpu().tolist()
    relations = model.relations.weight.detach().double().cpu().tolist()
    scores = []
    for h, r, t in triples.cpu().tolist():
        if variant == "columns h, t, r":
            h, t, r = h, r, t
        if variant == "head and tail swapped":
            h, t = t, h
        if r >= len(relations) or t >= len(entities):
            return []  # that reading of the columns would index out of range
        diff = [a + b - c for a, b, c in zip(entities[h], relations[r], entities[t], strict=True)]
        if variant == "squared L2":
            value = -sum(d * d for d in diff)
        elif variant == "other p":
            value = -p_norm(diff, 3 - p)
        elif variant == "not negated":
            value = p_norm(diff, p)
        else:
            value = -p_norm(diff, p)
        scores.append(value)
    return scores


def score_evidence(got, model, triples, p) -> str:
    if not isinstance(got, torch.Tensor) or got.shape != (triples.shape[0],):
        return "one score per triple: a (B,) tensor, the norm taken over the embedding dim."
    values = got.detach().double().cpu().tolist()
    candidates = [
        ("not negated", "the distance was returned as the score: score = -||h + r - t||_p."),
        ("other p", f"the p-norm confused: the model has p={p}, and you used p={3 - p}."),
        ("squared L2", "a squared L2 norm (sum of squares, no square root): use the plain norm."),
        (
            "columns h, t, r",
            "the columns read as (head, tail, relation); they are (head, relation, tail).",
        ),
        (
            "head and tail swapped",
            "head and tail swapped: the score is -||h + r - t||, not t + r - h.",
        ),
    ]
    for variant, why in candidates:
        expected = loop_scores(model, triples, p, variant=variant)
        if expected and all(
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
            for a, b in zip(values, expected, strict=True)
        ):
            return why
    return "the score of (h, r, t) is -||e[h] + r[r] - e[t]||_p, the norm over dim 1."


def call_normalize(model, what: str) -> None:
    """Run normalize_entities_, naming the likely cause of the classic in-place error."""
    __tracebackhide__ = True
    try:
        result = model.normalize_entities_()
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "in-place" not in str(err) and "inplace" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {str(err).rstrip('.')}. Likely mistake: an "
            f"in-place change of a Parameter that requires grad outside torch.no_grad(): "
            f"wrap the update in `with torch.no_grad():`."
        ) from err
    if result is not None:
        raise AssertionError(f"{what} returned {type(result).__name__}; it returns None.")


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_init_makes_two_tables_in_the_papers_range(device):
    torch.manual_seed(74)
    model = kata.TransE(50, 7, 16, p=2).to(device)
    what = "TransE(50, 7, 16, p=2)"
    for name, rows in (("entities", 50), ("relations", 7)):
        table = getattr(model, name, None)
        if not isinstance(table, nn.Embedding):
            raise AssertionError(
                f"{what}.{name} is {type(table).__name__}; expected an nn.Embedding (an "
                f"attribute named {name!r}, assigned in __init__)."
            )
        if tuple(table.weight.shape) != (rows, 16):
            raise AssertionError(
                f"{what}.{name}.weight has shape {tuple(table.weight.shape)}; expected "
                f"({rows}, 16)."
            )
        bound = 6 / math.sqrt(16)
        largest = table.weight.detach().abs().max().item()
        if largest > bound + 1e-6 or largest < 0.8 * bound:
            raise AssertionError(
                f"{what}.{name}.weight has largest |value| {largest:.3f}; expected values "
                f"uniform in [-6 / sqrt(dim), 6 / sqrt(dim)] = [-{bound}, {bound}]. Likely "
                f"mistake: nn.Embedding's default N(0, 1) init kept, or a different bound."
            )
    if getattr(model, "p", None) != 2:
        raise AssertionError(f"{what}.p is {getattr(model, 'p', None)!r}; expected 2.")
    registered = {id(p) for p in model.parameters()}
    if registered != {id(model.entities.weight), id(model.relations.weight)}:
        raise AssertionError(
            f"{what}.parameters() holds {len(registered)} tensors; expected exactly the two "
            f"embedding weights. Likely mistake: an extra nn.Parameter (or module), or the "
            f"tables' weights replaced by tensors that are not the Embeddings' own."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "args, p",
    [((10, 3, 4), 3), ((10, 3, 4), 0), ((1, 3, 4), 1), ((10, 0, 4), 1), ((10, 3, 0), 2)],
    ids=["p=3", "p=0", "one-entity", "no-relations", "dim=0"],
)
def test_init_rejects_bad_arguments(args, p):
    assert_raises(
        ValueError,
        kata.TransE,
        *args,
        p=p,
        what=f"TransE{args[:3]} with p={p}",
        mistake="no check that p is 1 or 2, num_entities >= 2, num_relations >= 1, dim >= 1.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("p", [1, 2], ids=["L1", "L2"])
def test_scores_equal_the_formula(p, device):
    gen = torch.Generator().manual_seed(740 + p)
    # the first sizes have as many relations as entities, so a column mix-up stays in range
    for n_e, n_r, dim, batch in [(6, 6, 4, 9), (12, 12, 1, 1), (20, 5, 8, 16)]:
        model = make_model(gen, n_e, n_r, dim, p, device)
        triples = random_triples(gen, batch, n_e, n_r, device)
        before = triples.clone()
        what = f"TransE({n_e}, {n_r}, {dim}, p={p})(triples ({batch}, 3)), float64 tables"
        got = model(triples)
        expected = torch.tensor(loop_scores(model, triples, p), dtype=torch.float64)
        assert_tensor_close(
            got,
            expected.to(device),
            what=what,
            rtol=1e-12,
            atol=1e-12,
            mistake=score_evidence(got, model, triples, p),
        )
        if not torch.equal(triples, before):
            raise AssertionError(f"{what} changed the caller's triples; they are read only.")


@pytest.mark.task(1)
def test_scores_accept_non_contiguous_triples(device):
    gen = torch.Generator().manual_seed(743)
    model = make_model(gen, 10, 4, 6, 1, device)
    wide = torch.cat(
        [random_triples(gen, 7, 10, 4, device), torch.zeros(7, 1, dtype=torch.long, device=device)],
        dim=1,
    )
    triples = wide[:, :3]  # (7, 3) with row stride 4: a view, not contiguous
    got = model(triples)
    expected = torch.tensor(loop_scores(model, triples, 1), dtype=torch.float64, device=device)
    if isinstance(got, torch.Tensor) and not torch.allclose(got.double(), expected):
        # the same rows, contiguous: right there means only the strides are mishandled
        with torch.no_grad():
            contiguous = model(triples.contiguous())
        strides = torch.allclose(contiguous.double(), expected, rtol=1e-12, atol=1e-12)
    else:
        strides = True
    assert_tensor_close(
        got,
        expected,
        what="TransE(10, 4, 6, p=1)(triples (7, 3) non-contiguous, a column slice of (7, 4))",
        rtol=1e-12,
        atol=1e-12,
        mistake="the same triples made contiguous score right, so the strides are ignored: "
        "the triples read through their storage (as_strided, data_ptr, .storage()) instead "
        "of indexing the columns with triples[:, 0], triples[:, 1], triples[:, 2]."
        if strides
        else "the scores are wrong for the contiguous copy too, so the score itself is: "
        + score_evidence(got, model, triples, 1),
    )


@pytest.mark.task(1)
def test_scores_carry_the_graph_to_both_tables(device):
    gen = torch.Generator().manual_seed(744)
    for p in (1, 2):
        model = make_model(gen, 8, 3, 5, p, device)
        triples = random_triples(gen, 10, 8, 3, device)
        weights = torch.randn(10, generator=gen, dtype=torch.float64).to(device)
        what = f"TransE(8, 3, 5, p={p})(triples (10, 3)), then (scores * w).sum().backward()"
        scores = model(triples)
        if not isinstance(scores, torch.Tensor) or scores.grad_fn is None:
            raise AssertionError(
                f"{what}: the scores carry no graph. Likely mistake: .item(), .detach() or "
                f"torch.no_grad() inside forward."
            )
        (scores * weights).sum().backward()
        entities = model.entities.weight.detach().clone().requires_grad_(True)
        relations = model.relations.weight.detach().clone().requires_grad_(True)
        h, r, t = triples[:, 0], triples[:, 1], triples[:, 2]
        diff = entities[h] + relations[r] - entities[t]
        reference = -diff.abs().pow(p).sum(dim=1).pow(1 / p)
        (reference * weights).sum().backward()
        for name, table, ref in (
            ("entities", model.entities, entities),
            ("relations", model.relations, relations),
        ):
            if table.weight.grad is None:
                raise AssertionError(
                    f"{what}: self.{name}.weight.grad is None; the scores must depend on "
                    f"both tables through autograd."
                )
            assert_tensor_close(
                table.weight.grad,
                ref.grad,
                what=f"{what}: the gradient of self.{name}.weight",
                rtol=1e-10,
                atol=1e-12,
                mistake="part of the score was computed outside autograd (detach, .data).",
            )


@pytest.mark.task(1)
@pytest.mark.parametrize("shape", [(4, 2), (3,), (2, 3, 1)], ids=["B-by-2", "1-d", "3-d"])
def test_forward_rejects_triples_that_are_not_b_by_3(shape, device):
    model = kata.TransE(5, 2, 3).to(device)
    assert_raises(
        ValueError,
        model,
        torch.zeros(shape, dtype=torch.long, device=device),
        what=f"TransE(5, 2, 3)(triples {shape})",
        mistake="no check that triples is (B, 3): head, relation, tail.",
    )


# ----------------------------------------------------------------------------- task 2


def loop_loss(pos, neg, margin, *, variant="right") -> float:
    terms = []
    pairs = zip(
        pos.detach().double().cpu().tolist(), neg.detach().double().cpu().tolist(), strict=True
    )
    for p, n in pairs:
        if variant == "sign":
            terms.append(max(0.0, margin + p - n))
        elif variant == "no hinge":
            terms.append(margin - p + n)
        elif variant == "no margin":
            terms.append(max(0.0, n - p))
        else:
            terms.append(max(0.0, margin - p + n))
    if variant == "summed":
        return sum(terms)
    return sum(terms) / len(terms)


def loss_evidence(got, pos, neg, margin) -> str:
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        return "a 0-d tensor: the mean over the B pairs."
    value = float(got)
    candidates = [
        (
            "sign",
            "the margin's sign is flipped: with scores (higher = better) the hinge is "
            "max(0, margin - pos + neg); max(0, margin + pos - neg) is the distance form "
            "written with scores, and it pushes true triples down.",
        ),
        ("summed", "the losses were summed over the batch instead of averaged."),
        ("no hinge", "no max(0, .): pairs already separated by the margin must cost 0."),
        ("no margin", "the margin was left out of the hinge."),
    ]
    for variant, why in candidates:
        if math.isclose(value, loop_loss(pos, neg, margin, variant=variant), rel_tol=1e-9):
            return why
    return "the mean over pairs of max(0, margin - pos_score + neg_score)."


@pytest.mark.task(2)
def test_margin_ranking_loss_equals_the_formula(device):
    gen = torch.Generator().manual_seed(745)
    for batch, margin in [(8, 1.0), (1, 0.5), (13, 2.0), (6, 0.0)]:
        pos = (torch.randn(batch, generator=gen, dtype=torch.float64) - 1).to(device)
        neg = (torch.randn(batch, generator=gen, dtype=torch.float64) - 2).to(device)
        copies = pos.clone(), neg.clone()
        what = f"margin_ranking_loss(pos_scores ({batch},), neg_scores ({batch},), margin={margin})"
        got = kata.margin_ranking_loss(pos, neg, margin)
        assert_tensor_close(
            got,
            torch.tensor(loop_loss(pos, neg, margin), dtype=torch.float64, device=device),
            what=what,
            rtol=1e-12,
            atol=1e-12,
            mistake=loss_evidence(got, pos, neg, margin),
        )
        for name, t, c in (("pos_scores", pos, copies[0]), ("neg_scores", neg, copies[1])):
            assert_tensor_close(t, c, what=f"{name} after {what}", mistake="changed in place.")


@pytest.mark.task(2)
def test_margin_ranking_loss_gradient_is_minus_one_over_b_on_active_pairs(device):
    gen = torch.Generator().manual_seed(746)
    base = torch.randn(2, 10, generator=gen, dtype=torch.float64)
    pos = base[0].to(device).requires_grad_(True)
    neg = base[1].to(device).requires_grad_(True)
    what = "margin_ranking_loss(pos (10,), neg (10,), margin=1.0), then backward()"
    loss = kata.margin_ranking_loss(pos, neg, 1.0)
    if not isinstance(loss, torch.Tensor) or loss.grad_fn is None:
        raise AssertionError(f"{what}: the loss carries no graph (.item() or detach inside?).")
    loss.backward()
    active = (1.0 - base[0] + base[1] > 0).double().to(device)
    assert_tensor_close(
        pos.grad,
        -active / 10,
        what=f"{what}: d loss / d pos_scores",
        rtol=1e-12,
        atol=1e-12,
        mistake="each pair whose hinge is active contributes -1/B to its positive (the mean); "
        "a sum gives -1, a flipped sign +1/B.",
    )
    assert_tensor_close(
        neg.grad,
        active / 10,
        what=f"{what}: d loss / d neg_scores",
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "pos_shape, neg_shape, margin",
    [((4,), (5,), 1.0), ((4, 1), (4, 1), 1.0), ((0,), (0,), 1.0), ((4,), (4,), -0.5)],
    ids=["B-differs", "2-d", "empty", "negative-margin"],
)
def test_margin_ranking_loss_rejects_bad_arguments(pos_shape, neg_shape, margin, device):
    assert_raises(
        ValueError,
        kata.margin_ranking_loss,
        torch.zeros(pos_shape, device=device),
        torch.zeros(neg_shape, device=device),
        margin,
        what=f"margin_ranking_loss(pos {pos_shape}, neg {neg_shape}, margin={margin})",
        mistake="no check that both are (B,) with the same B >= 1 and margin >= 0.",
    )


# ----------------------------------------------------------------------------- task 3


def changed_sides(triples, negatives):
    heads = negatives[:, 0] != triples[:, 0]
    tails = negatives[:, 2] != triples[:, 2]
    return heads, tails


def check_negatives(negatives, triples, what: str) -> None:
    """A (B, 3) long tensor on triples' device, the relation kept, never both sides changed."""
    __tracebackhide__ = True
    if not isinstance(negatives, torch.Tensor) or negatives.shape != triples.shape:
        shape = tuple(negatives.shape) if isinstance(negatives, torch.Tensor) else negatives
        raise AssertionError(f"{what} returned {shape}; expected a (B, 3) tensor.")
    if negatives.dtype != torch.long or negatives.device != triples.device:
        raise AssertionError(
            f"{what} returned {negatives.dtype} on {negatives.device}; expected torch.long on "
            f"{triples.device} (draw on the CPU with the generator, then .to(triples.device))."
        )
    if not torch.equal(negatives[:, 1], triples[:, 1]):
        raise AssertionError(f"{what} changed some relations; only a head or a tail changes.")
    heads, tails = changed_sides(triples, negatives)
    both = int((heads & tails).sum())
    if both:
        raise AssertionError(
            f"{what}: {both} of {triples.shape[0]} rows have both head and tail replaced. "
            f"Likely mistake: corrupting both sides; a coin per row picks ONE side."
        )


@pytest.mark.task(3)
def test_corrupt_replaces_one_side_and_keeps_the_relation(device):
    gen = torch.Generator().manual_seed(747)
    triples = random_triples(gen, 500, 50, 4, device)
    before = triples.clone()
    what = "corrupt(triples (500, 3), num_entities=50, generator)"
    negatives = kata.corrupt(triples, 50, torch.Generator().manual_seed(1))
    if not torch.equal(triples, before):
        raise AssertionError(
            f"{what} changed the caller's triples. Likely mistake: writing the new entities "
            f"into triples itself; clone first, return a new tensor."
        )
    check_negatives(negatives, triples, what)
    heads, tails = changed_sides(triples, negatives)
    changed = int((heads | tails).sum())
    if changed < 0.9 * 500:  # expected 500 * 49 / 50 = 490; a draw equal to the old one is rare
        raise AssertionError(
            f"{what}: only {changed} of 500 rows differ from their triple; with 50 entities "
            f"about 490 should (a redraw equal to the original has chance 1/50). Likely "
            f"mistake: only some rows corrupted, or the new entities drawn from a small "
            f"range (not torch.randint(num_entities, ...))."
        )


@pytest.mark.task(3)
def test_corrupt_draws_only_from_the_generator(device):
    gen = torch.Generator().manual_seed(748)
    triples = random_triples(gen, 64, 30, 3, device)
    what = "corrupt(triples (64, 3), 30, torch.Generator().manual_seed(5))"
    torch.manual_seed(0)
    state = torch.get_rng_state()
    cuda_state = torch.cuda.get_rng_state() if device.type == "cuda" else None
    first = kata.corrupt(triples, 30, torch.Generator().manual_seed(5))
    if not torch.equal(torch.get_rng_state(), state) or (
        cuda_state is not None and not torch.equal(torch.cuda.get_rng_state(), cuda_state)
    ):
        raise AssertionError(
            f"{what} moved torch's global random generator. Likely mistake: torch.randint "
            f"or torch.rand without generator=generator."
        )
    torch.manual_seed(1)
    second = kata.corrupt(triples, 30, torch.Generator().manual_seed(5))
    other = kata.corrupt(triples, 30, torch.Generator().manual_seed(6))
    check_negatives(first, triples, what)
    if not torch.equal(first, second):
        raise AssertionError(
            f"{what}, called twice with the same seed, gave different negatives: the draws "
            f"must come from the generator argument only, never the global generator."
        )
    if torch.equal(first, other):
        raise AssertionError(
            f"{what} gave the same negatives for seeds 5 and 6: the draws must come from "
            f"the generator, not a fixed pattern."
        )


@pytest.mark.task(3)
def test_corrupt_picks_head_or_tail_by_a_fair_coin(device):
    gen = torch.Generator().manual_seed(749)
    triples = random_triples(gen, 4000, 40, 5, device)
    what = "corrupt(triples (4000, 3), 40, generator seeded 2)"
    negatives = kata.corrupt(triples, 40, torch.Generator().manual_seed(2))
    check_negatives(negatives, triples, what)
    heads, tails = changed_sides(triples, negatives)
    share = int(heads.sum()) / max(int((heads | tails).sum()), 1)
    # a fair coin over ~3900 changed rows: standard deviation 0.008, so 0.04 is 5 sigma
    if abs(share - 0.5) > 0.04:
        raise AssertionError(
            f"{what}: the head was the replaced side in {share:.1%} of the changed rows; "
            f"expected 50% +- 4% (a fair coin per row). Likely mistake: always the tail "
            f"(or always the head), or a biased coin."
        )


@pytest.mark.task(3)
def test_corrupt_draws_every_entity_about_equally(device):
    gen = torch.Generator().manual_seed(750)
    triples = random_triples(gen, 4000, 8, 2, device)
    what = "corrupt(triples (4000, 3), num_entities=8, generator seeded 3)"
    negatives = kata.corrupt(triples, 8, torch.Generator().manual_seed(3))
    check_negatives(negatives, triples, what)
    heads, tails = changed_sides(triples, negatives)
    drawn = Counter(negatives[heads, 0].tolist() + negatives[tails, 2].tolist())
    mean = sum(drawn.values()) / 8
    for entity in range(8):
        # about 440 draws each: +-30% is over 6 standard deviations
        if not 0.7 * mean <= drawn[entity] <= 1.3 * mean:
            raise AssertionError(
                f"{what}: entity {entity} was drawn {drawn[entity]} times, the mean is "
                f"{mean:.0f} (counts {dict(sorted(drawn.items()))}); expected every entity "
                f"0 .. 7 within 30% of the mean. Likely mistake: "
                + (
                    f"never drew entity {entity}: torch.randint(high) excludes high, so "
                    f"torch.randint(num_entities, ...) is the full range."
                    if drawn[entity] == 0
                    else "a non-uniform draw."
                )
            )


def known_graph(gen, num_entities, num_relations):
    """A random set of true triples, each (h, r, ?) and (?, r, t) leaving a free entity."""
    known = set()
    for h in range(num_entities):
        for r in range(num_relations):
            for t in range(num_entities):
                if float(torch.rand((), generator=gen)) < 0.5:
                    known.add((h, r, t))
    for h in range(num_entities):  # keep entity 0 free on both sides of everything
        for r in range(num_relations):
            known.discard((h, r, 0))
            known.discard((0, r, h))
    return known


@pytest.mark.task(3)
def test_corrupt_filtered_never_returns_a_known_triple(device):
    gen = torch.Generator().manual_seed(751)
    known = known_graph(gen, 6, 2)
    rows = sorted(known)
    picks = torch.randint(len(rows), (300,), generator=gen).tolist()
    triples = torch.tensor([rows[i] for i in picks], dtype=torch.long).to(device)
    what = f"corrupt(triples (300, 3) of true triples, 6, generator, known={len(known)} triples)"
    negatives = kata.corrupt(triples, 6, torch.Generator().manual_seed(4), known)
    check_negatives(negatives, triples, what)
    hits = [tuple(row) for row in negatives.tolist() if tuple(row) in known]
    if hits:
        raise AssertionError(
            f"{what}: {len(hits)} of 300 negatives are in known (true triples), e.g. "
            f"{hits[0]}. Likely mistake: known ignored; draw such rows again until none is."
        )
    again = kata.corrupt(triples, 6, torch.Generator().manual_seed(4), known)
    if not torch.equal(negatives, again):
        raise AssertionError(
            f"{what}, twice with the same seed, gave different negatives; expected equal ones. "
            f"Likely mistake: the redraws of known rows use torch's global generator instead "
            f"of the generator argument."
        )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "shape, num_entities",
    [((4, 2), 10), ((3,), 10), ((4, 3), 1)],
    ids=["B-by-2", "1-d", "one-entity"],
)
def test_corrupt_rejects_bad_arguments(shape, num_entities, device):
    assert_raises(
        ValueError,
        kata.corrupt,
        torch.zeros(shape, dtype=torch.long, device=device),
        num_entities,
        torch.Generator().manual_seed(0),
        what=f"corrupt(triples {shape}, num_entities={num_entities}, generator)",
        mistake="no check that triples is (B, 3) and num_entities >= 2.",
    )


# ----------------------------------------------------------------------------- task 4


def model_for_normalising(gen, p, device):
    model = make_model(gen, 10, 4, 5, p, device)
    with torch.no_grad():
        model.entities.weight[3] = 0  # a dead row must stay zero, not NaN
    return model


@pytest.mark.task(4)
def test_normalize_entities_makes_each_row_unit_length(device):
    gen = torch.Generator().manual_seed(752)
    for p in (1, 2):
        model = model_for_normalising(gen, p, device)
        weight = model.entities.weight.detach().clone()
        what = f"TransE(10, 4, 5, p={p}).normalize_entities_() with row 3 all zeros"
        call_normalize(model, what)
        row_norms = torch.linalg.vector_norm(weight, dim=1, keepdim=True)
        expected = weight / row_norms.clamp_min(1e-12)
        got = model.entities.weight.detach()
        mistake = "each ROW (one entity) divided by its own L2 norm, max(norm, 1e-12)."
        if torch.allclose(got, weight / torch.linalg.vector_norm(weight, dim=0), atol=1e-12):
            mistake = "each column was normalised (dim=0); an entity is a row (dim=1)."
        elif p == 1 and torch.allclose(
            got, weight / torch.linalg.vector_norm(weight, 1, dim=1, keepdim=True).clamp_min(1e-12)
        ):
            mistake = "the rows were normalised with the model's p-norm (p=1); TransE "
            mistake += "always renormalises entities to L2 norm 1."
        elif bool(torch.isnan(got).any()):
            mistake = "the zero row became NaN (0 / 0): divide by norm.clamp_min(1e-12)."
        assert_tensor_close(got, expected, what=what, rtol=1e-12, atol=1e-12, mistake=mistake)


@pytest.mark.task(4)
def test_normalize_entities_leaves_relations_alone(device):
    gen = torch.Generator().manual_seed(753)
    model = model_for_normalising(gen, 2, device)
    relations = model.relations.weight.detach().clone()
    what = "TransE(10, 4, 5).normalize_entities_()"
    call_normalize(model, what)
    assert_tensor_close(
        model.relations.weight,
        relations,
        what=f"self.relations.weight after {what}",
        rtol=0,
        atol=0,
        mistake="the relations were normalised too; TransE renormalises entities only.",
    )


@pytest.mark.task(4)
def test_normalize_entities_keeps_the_same_parameter(device):
    gen = torch.Generator().manual_seed(754)
    model = model_for_normalising(gen, 2, device)
    weight = model.entities.weight
    pointer = weight.data_ptr()
    what = "TransE(10, 4, 5).normalize_entities_()"
    call_normalize(model, what)
    now = model.entities.weight
    if now is not weight:
        raise AssertionError(
            f"{what} replaced self.entities.weight with a new object: an optimizer built "
            f"before still holds the old one and would train a tensor the model no longer "
            f"uses. Keep the same Parameter: change it in place (weight.div_) under no_grad."
        )
    if now.data_ptr() != pointer:
        raise AssertionError(
            f"{what} kept the Parameter but gave it new storage (weight.data = ...): change "
            f"the values in place instead (div_ under torch.no_grad())."
        )
    if not (now.requires_grad and now.is_leaf and now.grad_fn is None):
        raise AssertionError(
            f"{what}: afterwards self.entities.weight has requires_grad={now.requires_grad}, "
            f"is_leaf={now.is_leaf}, grad_fn={now.grad_fn}; expected a leaf that requires "
            f"grad and no graph (update it under torch.no_grad())."
        )
