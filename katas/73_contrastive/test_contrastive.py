"""Tests for kata 73: cosine similarities, NT-Xent and InfoNCE against plain double loops
in float64, their symmetry and invariances, and stability at small temperatures."""

import math

import pytest
import torch

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

TAUS = [0.1, 0.5, 1.0]
SIZES = [(1, 3), (2, 4), (5, 8), (4, 1)]  # (N, D); D = 1 makes every cosine +-1


# ----------------------------------------------------------------------------- references


def rows(t) -> list[list[float]]:
    return t.detach().double().cpu().tolist()


def cosine(a: list[float], b: list[float], normalise=True) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    if not normalise:
        return dot
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (max(na, 1e-12) * max(nb, 1e-12))


def logsumexp(values: list[float]) -> float:
    m = max(values)
    if m == -math.inf:
        return -math.inf
    return m + math.log(sum(math.exp(v - m) for v in values))


def loop_nt_xent(
    z1, z2, tau, *, normalise=True, self_in="no", anchors="all", scale="divide", offset="other-view"
) -> float:
    """NT-Xent by a double loop; the keyword arguments build the wrong variants (evidence)."""
    z = rows(z1) + rows(z2)
    n, m = len(z) // 2, len(z)
    total, count = 0.0, 0
    for k in range(m if anchors == "all" else n):
        pos = (k + n) % m if offset == "other-view" else offset(k, n)
        logits = []
        for j in range(m):
            sim = cosine(z[k], z[j], normalise)
            s = sim / tau if scale == "divide" else sim * tau
            if j == k:
                if self_in == "no":
                    continue
                if self_in == "zero":
                    s = 0.0
            logits.append((j, s))
        values = [s for _, s in logits]
        pos_value = dict(logits).get(pos, -math.inf)
        total += logsumexp(values) - pos_value
        count += 1
    return total / count


def loop_info_nce(q, k, tau, *, transpose=False) -> float:
    qs, ks = rows(q), rows(k)
    if transpose:
        qs, ks = ks, qs
    total = 0.0
    for i, qi in enumerate(qs):
        values = [cosine(qi, kj) / tau for kj in ks]
        total += logsumexp(values) - values[i]
    return total / len(qs)


def random_views(gen, n, d, device, dtype=torch.float64, noise=0.5):
    """Two correlated views of n random samples, at different scales per row."""
    base = torch.randn(n, d, generator=gen, dtype=dtype)
    z1 = base + noise * torch.randn(n, d, generator=gen, dtype=dtype)
    z2 = base + noise * torch.randn(n, d, generator=gen, dtype=dtype)
    scale = torch.rand(n, 1, generator=gen, dtype=dtype) * 3 + 0.2  # not unit length
    return (z1 * scale).to(device), (z2 / scale).to(device)


def nt_xent_evidence(got: float, z1, z2, tau) -> str:
    n = z1.shape[0]
    candidates = [
        (
            dict(normalise=False),
            "the embeddings were not normalised: NT-Xent uses cosine "
            "similarity (F.normalize each row first).",
        ),
        (
            dict(self_in="yes"),
            "self-similarity is in the denominator: mask the diagonal "
            "with -inf before the softmax.",
        ),
        (
            dict(self_in="zero"),
            "the diagonal was masked with 0, not -inf: exp(0) = 1 still enters the denominator.",
        ),
        (
            dict(anchors="first-view"),
            "only the N anchors of the first view were averaged: all 2N anchors count.",
        ),
        (
            dict(scale="multiply"),
            "the temperature multiplied the similarities instead of dividing them.",
        ),
        (
            dict(offset=lambda k, n: k ^ 1),
            "positives on the wrong diagonal offset: targets for interleaved views [a1, b1, "
            "a2, b2, ...] (k ^ 1) while z = cat([z1, z2]) stacks them; the positive of k is "
            "k + N (mod 2N).",
        ),
        (
            dict(offset=lambda k, n: (k + 1) % (2 * n)),
            "positives on the wrong diagonal offset: the positive of k is k + N (mod 2N), "
            "not k + 1.",
        ),
    ]
    for kwargs, why in candidates:
        try:
            value = loop_nt_xent(z1, z2, tau, **kwargs)
        except (ValueError, OverflowError):
            continue
        if math.isfinite(value) and math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12):
            return why
    full = loop_nt_xent(z1, z2, tau)
    if math.isclose(got, full * 2 * n, rel_tol=1e-9):
        return "the losses were summed over the 2N anchors instead of averaged."
    return "not the documented NT-Xent: cosine similarity / tau, diagonal masked, mean over 2N."


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_cosine_similarity_matrix_equals_a_loop(device):
    gen = torch.Generator().manual_seed(73)
    for m, d in [(1, 3), (4, 1), (6, 5)]:
        z = (torch.randn(m, d, generator=gen, dtype=torch.float64) * 4).to(device)
        before = z.clone()
        expected = torch.tensor(
            [[cosine(a, b) for b in rows(z)] for a in rows(z)], dtype=torch.float64
        ).to(device)
        what = f"cosine_similarity_matrix(z ({m}, {d})), float64"
        got = kata.cosine_similarity_matrix(z)
        assert_tensor_close(
            got,
            expected,
            what=what,
            rtol=1e-12,
            atol=1e-12,
            mistake="the rows must be unit length before the dot products (cosine, not a "
            "raw dot product), normalised along dim=1 (each embedding), not dim=0.",
        )
        assert_tensor_close(
            z, before, what=f"z after {what}", mistake="z was normalised in place (z /= ...)."
        )


@pytest.mark.task(1)
def test_cosine_similarity_matrix_handles_zero_rows_and_views(device):
    gen = torch.Generator().manual_seed(74)
    z = torch.randn(5, 4, generator=gen, dtype=torch.float64).to(device)
    z[2] = 0  # a dead embedding
    view = z.T.contiguous().T  # the same values, non-contiguous
    what = "cosine_similarity_matrix(z (5, 4) with row 2 all zeros, non-contiguous)"
    got = kata.cosine_similarity_matrix(view)
    expected = torch.tensor(
        [[cosine(a, b) for b in rows(z)] for a in rows(z)], dtype=torch.float64
    ).to(device)
    assert_tensor_close(
        got,
        expected,
        what=what,
        rtol=1e-12,
        atol=1e-12,
        mistake="dividing by the norm gives 0 / 0 = NaN for a zero row: F.normalize(z, dim=1) "
        "divides by max(norm, 1e-12) instead."
        if isinstance(got, torch.Tensor) and bool(torch.isnan(got).any())
        else "the zero row gives no NaN, so the values differ elsewhere: a zero row's "
        "similarities must be 0 (F.normalize(z, dim=1) divides by max(norm, 1e-12)), and a "
        "non-contiguous input must give the same matrix (no .view or stride tricks).",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
def test_nt_xent_equals_a_double_loop(device):
    gen = torch.Generator().manual_seed(75)
    for n, d in SIZES:
        for tau in TAUS:
            z1, z2 = random_views(gen, n, d, device)
            copies = z1.clone(), z2.clone()
            what = f"nt_xent(z1 ({n}, {d}), z2 ({n}, {d}), temperature={tau}), float64"
            got = kata.nt_xent(z1, z2, tau)
            expected = loop_nt_xent(z1, z2, tau)
            mistake = (
                nt_xent_evidence(float(got), z1, z2, tau)
                if isinstance(got, torch.Tensor) and got.numel() == 1
                else "a 0-d tensor: the mean over all 2N anchors."
            )
            assert_tensor_close(
                got,
                torch.tensor(expected, dtype=torch.float64, device=device),
                what=what,
                rtol=1e-10,
                atol=1e-12,
                mistake=mistake,
            )
            for name, t, c in (("z1", z1, copies[0]), ("z2", z2, copies[1])):
                assert_tensor_close(
                    t, c, what=f"{name} after {what}", mistake="an input was changed in place."
                )


@pytest.mark.task(2)
def test_nt_xent_of_one_pair_is_zero(device):
    gen = torch.Generator().manual_seed(76)
    z1, z2 = random_views(gen, 1, 6, device)
    got = kata.nt_xent(z1, z2, 0.2)
    assert_tensor_close(
        got,
        torch.zeros((), dtype=torch.float64, device=device),
        what="nt_xent(z1 (1, 6), z2 (1, 6), 0.2): each anchor's only candidate is its positive",
        atol=1e-12,
        rtol=0,
        mistake="self-similarity is in the denominator (mask it with -inf, not 0): with one "
        "pair, -log(exp(s_pos) / exp(s_pos)) is exactly 0.",
    )


@pytest.mark.task(2)
def test_nt_xent_is_symmetric_in_the_two_views(device):
    gen = torch.Generator().manual_seed(77)
    for n, d in [(3, 4), (6, 2)]:
        z1, z2 = random_views(gen, n, d, device)
        a, b = kata.nt_xent(z1, z2, 0.3), kata.nt_xent(z2, z1, 0.3)
        assert_tensor_close(
            a,
            b,
            what=f"nt_xent(z1, z2, 0.3) against nt_xent(z2, z1, 0.3) for ({n}, {d}) views",
            rtol=1e-12,
            atol=1e-12,
            mistake="only N anchors instead of 2N (the first view's rows alone), or positives "
            "on the wrong diagonal offset for one of the halves.",
        )


@pytest.mark.task(2)
def test_nt_xent_ignores_the_length_of_each_embedding(device):
    gen = torch.Generator().manual_seed(78)
    z1, z2 = random_views(gen, 4, 5, device)
    s1 = (torch.rand(4, 1, generator=gen, dtype=torch.float64) * 10 + 0.1).to(device)
    s2 = (torch.rand(4, 1, generator=gen, dtype=torch.float64) * 10 + 0.1).to(device)
    assert_tensor_close(
        kata.nt_xent(z1 * s1, z2 * s2, 0.5),
        kata.nt_xent(z1, z2, 0.5),
        what="nt_xent(z1 * s1, z2 * s2, 0.5) against nt_xent(z1, z2, 0.5), rows scaled by "
        "positive factors",
        rtol=1e-10,
        atol=1e-12,
        mistake="the embeddings were not normalised: cosine similarity does not depend on "
        "each row's length, a dot product does.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_nt_xent_is_stable_for_small_temperatures(dtype, device):
    gen = torch.Generator().manual_seed(79)
    z1, z2 = random_views(gen, 6, 4, device, dtype=dtype, noise=0.05)
    for tau in (0.005, 0.001):  # similarities / tau up to 1000: exp overflows in any dtype
        what = f"nt_xent(z1 (6, 4), z2 (6, 4), temperature={tau}), {dtype}"
        got = kata.nt_xent(z1, z2, tau)
        expected = loop_nt_xent(z1, z2, tau)
        finite = isinstance(got, torch.Tensor) and bool(torch.isfinite(got).all())
        mistake = (
            "exp(similarity / tau) overflowed to inf: compute the loss with log-softmax "
            "(F.cross_entropy or torch.logsumexp), never a plain exp and a sum."
            if not finite
            else nt_xent_evidence(float(got), z1, z2, tau)
        )
        tol = (
            {"rtol": 1e-9, "atol": 1e-9} if dtype == torch.float64 else {"rtol": 1e-3, "atol": 1e-2}
        )
        assert_tensor_close(
            got,
            torch.tensor(expected, dtype=dtype, device=device),
            what=what,
            mistake=mistake,
            **tol,
        )


@pytest.mark.task(2)
def test_nt_xent_gradients_pass_gradcheck(device):
    gen = torch.Generator().manual_seed(80)
    z1, z2 = random_views(gen, 3, 4, device)
    z1.requires_grad_(True)
    z2.requires_grad_(True)
    loss = kata.nt_xent(z1, z2, 0.5)
    if not isinstance(loss, torch.Tensor) or loss.grad_fn is None:
        raise AssertionError(
            "nt_xent(z1 (3, 4), z2 (3, 4), 0.5) for inputs that require grad returned no "
            "graph. Likely mistake: .item(), .detach() or torch.no_grad() inside."
        )
    try:
        ok = torch.autograd.gradcheck(
            lambda a, b: kata.nt_xent(a, b, 0.5), (z1, z2), raise_exception=False
        )
    except NotImplementedError:
        raise
    if not ok:
        raise AssertionError(
            "nt_xent(z1 (3, 4), z2 (3, 4), 0.5): torch.autograd.gradcheck finds that the "
            "gradients disagree with finite differences. Likely mistake: a detach() or a "
            "no_grad() around part of the computation (the normalisation, or the mask), or "
            "an in-place op (or .data) on an intermediate that autograd needs."
        )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "shape1, shape2, tau",
    [
        ((3, 4), (3, 5), 0.5),
        ((3, 4), (2, 4), 0.5),
        ((4,), (4,), 0.5),
        ((3, 4), (3, 4), 0.0),
        ((3, 4), (3, 4), -0.1),
        ((0, 4), (0, 4), 0.5),
    ],
    ids=["dims-differ", "N-differs", "1-d", "tau=0", "tau<0", "empty"],
)
def test_nt_xent_rejects_bad_arguments(shape1, shape2, tau, device):
    assert_raises(
        ValueError,
        kata.nt_xent,
        torch.ones(shape1, device=device),
        torch.ones(shape2, device=device),
        tau,
        what=f"nt_xent(z1 {shape1}, z2 {shape2}, temperature={tau})",
        mistake="no check that z1 and z2 are both (N, D), N >= 1, the same shape, and that "
        "the temperature is positive.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
def test_info_nce_equals_a_double_loop(device):
    gen = torch.Generator().manual_seed(81)
    for n, d in SIZES:
        for tau in TAUS:
            q, k = random_views(gen, n, d, device)
            copies = q.clone(), k.clone()
            what = f"info_nce(queries ({n}, {d}), keys ({n}, {d}), temperature={tau}), float64"
            got = kata.info_nce(q, k, tau)
            expected = loop_info_nce(q, k, tau)
            mistake = "cosine similarities of each query with every key / tau, the target on "
            mistake += "the diagonal, mean over the N queries."
            if isinstance(got, torch.Tensor) and got.numel() == 1:
                value = float(got)
                if n > 1 and math.isclose(
                    value, loop_info_nce(q, k, tau, transpose=True), rel_tol=1e-9
                ):
                    mistake = "keys against queries (the transposed logits): each QUERY's row "
                    mistake += "is a softmax over the keys."
                elif math.isclose(value, loop_nt_xent(q, k, tau), rel_tol=1e-9):
                    mistake = "NT-Xent computed instead: InfoNCE compares queries with keys only."
            assert_tensor_close(
                got,
                torch.tensor(expected, dtype=torch.float64, device=device),
                what=what,
                rtol=1e-10,
                atol=1e-12,
                mistake=mistake,
            )
            for name, t, c in (("queries", q, copies[0]), ("keys", k, copies[1])):
                assert_tensor_close(t, c, what=f"{name} after {what}")


@pytest.mark.task(3)
def test_info_nce_is_stable_for_small_temperatures(device):
    gen = torch.Generator().manual_seed(82)
    q, k = random_views(gen, 5, 3, device, dtype=torch.float32, noise=0.05)
    what = "info_nce(queries (5, 3), keys (5, 3), temperature=0.002), float32"
    got = kata.info_nce(q, k, 0.002)
    finite = isinstance(got, torch.Tensor) and bool(torch.isfinite(got).all())
    assert_tensor_close(
        got,
        torch.tensor(loop_info_nce(q, k, 0.002), dtype=torch.float32, device=device),
        what=what,
        rtol=1e-3,
        atol=1e-2,
        mistake="exp(similarity / tau) overflowed: use F.cross_entropy on the logits."
        if not finite
        else "a finite but wrong loss at a small temperature: the logits are "
        "cosine(q_i, k_j) / tau (divided, not multiplied), the targets the diagonal, the "
        "loss F.cross_entropy over them.",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "shape_q, shape_k, tau",
    [((3, 4), (2, 4), 0.5), ((3, 4), (3, 4), 0.0), ((0, 4), (0, 4), 0.5)],
    ids=["N-differs", "tau=0", "empty"],
)
def test_info_nce_rejects_bad_arguments(shape_q, shape_k, tau, device):
    assert_raises(
        ValueError,
        kata.info_nce,
        torch.ones(shape_q, device=device),
        torch.ones(shape_k, device=device),
        tau,
        what=f"info_nce(queries {shape_q}, keys {shape_k}, temperature={tau})",
        mistake="no check of the shapes ((N, D), equal, N >= 1) or of temperature > 0.",
    )
