"""Tests for kata 71: the distillation loss against a plain loop in float64, its gradient
against the closed form, the gradient's scale across temperatures, and the teacher's
isolation from the graph."""

import math

import pytest
import torch

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

TEMPERATURES = [1.0, 2.5, 7.0]
SHAPES = [(5, 10), (1, 3), (8, 2)]
LARGE_T = [4.0, 8.0, 16.0, 32.0, 64.0]
SCALE_BOUND = (0.8, 1.25)  # gradient norm / its large-T limit, for every T in LARGE_T


# ----------------------------------------------------------------------------- references


def log_softmax_row(row: list[float]) -> list[float]:
    m = max(row)
    lse = m + math.log(sum(math.exp(z - m) for z in row))
    return [z - lse for z in row]


def loop_kl(student, teacher, T: float) -> float:
    """T^2 / B * sum_i sum_c p_t (log p_t - log p_s), by plain loops in float64."""
    s_rows = (student.detach().double().cpu() / T).tolist()
    t_rows = (teacher.detach().double().cpu() / T).tolist()
    total = 0.0
    for s_row, t_row in zip(s_rows, t_rows, strict=True):
        log_ps, log_pt = log_softmax_row(s_row), log_softmax_row(t_row)
        for lps, lpt in zip(log_ps, log_pt, strict=True):
            pt = math.exp(lpt)
            if pt > 0:
                total += pt * (lpt - lps)
    return T * T * total / len(s_rows)


def loop_reverse_kl(student, teacher, T: float) -> float:
    """KL(p_s || p_t) * T^2 / B: the direction swapped (evidence only)."""
    return loop_kl(teacher, student, T)


def loop_ce(student, targets) -> float:
    rows = student.detach().double().cpu().tolist()
    labels = targets.cpu().tolist()
    return -sum(log_softmax_row(r)[y] for r, y in zip(rows, labels, strict=True)) / len(rows)


def kl_evidence(got: float, student, teacher, T: float) -> str:
    """Name the wrong variant the value matches, if one does."""
    B, C = student.shape
    right = loop_kl(student, teacher, T)
    s_rows = (student.detach().double().cpu() / T).tolist()
    t_rows = (teacher.detach().double().cpu() / T).tolist()
    softmax_input = 0.0  # F.kl_div(softmax(s / T), p_t): probabilities where log-probs belong
    for s_row, t_row in zip(s_rows, t_rows, strict=True):
        ps = [math.exp(v) for v in log_softmax_row(s_row)]
        for p, lpt in zip(ps, log_softmax_row(t_row), strict=True):
            softmax_input += math.exp(lpt) * (lpt - p)
    candidates = [
        (
            right / (T * T),
            "the T^2 factor is missing (the loss, and its gradient, shrink as 1/T^2).",
        ),
        (
            right / C,
            "reduction='mean' averages over B * C elements; use reduction='batchmean' "
            "(sum over classes, divide by B).",
        ),
        (right * B, "reduction='sum' sums over the batch too; use reduction='batchmean'."),
        (
            loop_reverse_kl(student, teacher, T),
            "the KL direction is swapped: KL(p_student || p_teacher); F.kl_div(input, target) "
            "computes KL(target || input), with the student's log-probabilities as input.",
        ),
        (
            T * T * softmax_input / B,
            "softmax instead of log_softmax as F.kl_div's input: its input must be "
            "log-probabilities.",
        ),
        (
            loop_kl(student * T, teacher, T),
            "the student's logits not divided by T (both distributions are softened).",
        ),
        (
            loop_kl(student, teacher * T, T),
            "the teacher's logits not divided by T (both distributions are softened).",
        ),
    ]
    for value, why in candidates:
        if math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12):
            return why
    return "not T^2 * KL(softmax(teacher/T) || softmax(student/T)), summed over classes, / B."


def random_logits(gen, shape, device, scale=2.0):
    return (torch.randn(shape, generator=gen, dtype=torch.float64) * scale).to(device)


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_soft_targets_are_the_tempered_softmax(device):
    gen = torch.Generator().manual_seed(71)
    for shape in SHAPES:
        for T in TEMPERATURES:
            teacher = random_logits(gen, shape, device, scale=3.0)
            before = teacher.clone()
            expected = torch.tensor(
                [[math.exp(v) for v in log_softmax_row(r)] for r in (teacher.cpu() / T).tolist()],
                dtype=torch.float64,
            ).to(device)
            what = f"soft_targets(teacher_logits {shape}, temperature={T}), float64"
            got = kata.soft_targets(teacher, T)
            assert_tensor_close(
                got,
                expected,
                what=what,
                rtol=1e-12,
                atol=1e-14,
                mistake="the softmax must run over the classes (the last dim) of teacher / T: "
                "dividing after the softmax, or softmax over the batch dim.",
            )
            assert_tensor_close(teacher, before, what=f"teacher_logits after {what}")


@pytest.mark.task(1)
def test_soft_targets_are_stable_and_cut_from_the_graph(device):
    teacher = torch.tensor(
        [[1000.0, -1000.0, 0.0], [-800.0, -805.0, -900.0]], dtype=torch.float64, device=device
    ).requires_grad_(True)
    what = "soft_targets(teacher_logits with entries of size 1000 (2, 3), temperature=2.0)"
    got = kata.soft_targets(teacher, 2.0)
    expected = torch.tensor(
        [[1.0, 0.0, 0.0], [1 / (1 + math.exp(-2.5)), 1 / (1 + math.exp(2.5)), 0.0]],
        dtype=torch.float64,
        device=device,
    )
    overflow = isinstance(got, torch.Tensor) and not bool(torch.isfinite(got).all())
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="exp of a large logit overflows to inf (inf / inf is NaN): use torch.softmax, "
        "which subtracts each row's maximum first."
        if overflow
        else "the values are finite but wrong: softmax over the classes (last dim) of "
        "teacher / T, the division before the softmax.",
    )
    if got.requires_grad or got.grad_fn is not None:
        raise AssertionError(
            f"{what} for teacher logits that require grad returned a tensor with a graph "
            f"back to the teacher (requires_grad={got.requires_grad}). Likely mistake: the "
            f"teacher was not detached (its logits are targets, not something to train)."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_soft_targets_reject_a_non_positive_temperature(temperature, device):
    assert_raises(
        ValueError,
        kata.soft_targets,
        torch.zeros(2, 3, device=device),
        temperature,
        what=f"soft_targets(teacher_logits (2, 3), temperature={temperature})",
        mistake="no check that the temperature is positive (dividing by 0 gives inf/NaN).",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
def test_distillation_kl_equals_the_formula(device):
    gen = torch.Generator().manual_seed(72)
    for shape in SHAPES:
        for T in TEMPERATURES:
            student = random_logits(gen, shape, device)
            teacher = random_logits(gen, shape, device)
            copies = student.clone(), teacher.clone()
            what = f"distillation_kl(student (B, C)={shape}, teacher {shape}, T={T}), float64"
            got = kata.distillation_kl(student, teacher, T)
            mistake = (
                kl_evidence(float(got), student, teacher, T)
                if isinstance(got, torch.Tensor) and got.numel() == 1
                else "a 0-d tensor: reduction='batchmean', not 'none'."
            )
            assert_tensor_close(
                got,
                torch.tensor(loop_kl(student, teacher, T), dtype=torch.float64, device=device),
                what=what,
                rtol=1e-10,
                atol=1e-12,
                mistake=mistake,
            )
            assert_tensor_close(student, copies[0], what=f"student_logits after {what}")
            assert_tensor_close(teacher, copies[1], what=f"teacher_logits after {what}")


@pytest.mark.task(2)
def test_distillation_kl_is_exact_at_extreme_logits(device):
    student = torch.tensor(
        [[1000.0, -1000.0, 0.0], [-500.0, 300.0, 299.0]], dtype=torch.float64, device=device
    )
    teacher = torch.tensor(
        [[0.0, 5.0, -2.0], [40.0, -40.0, 0.0]], dtype=torch.float64, device=device
    )
    for T in (1.0, 2.0):
        what = f"distillation_kl(student with logits of size 1000 (2, 3), teacher (2, 3), T={T})"
        got = kata.distillation_kl(student, teacher, T)
        expected = loop_kl(student, teacher, T)
        mistake = (
            "log(softmax(...)) underflows to log(0) = -inf where the student gives a class "
            "almost no probability: use F.log_softmax, which is exact there."
            if isinstance(got, torch.Tensor) and not torch.isfinite(got).all()
            else kl_evidence(float(got), student, teacher, T)
        )
        assert_tensor_close(
            got,
            torch.tensor(expected, dtype=torch.float64, device=device),
            what=what,
            rtol=1e-10,
            atol=1e-12,
            mistake=mistake,
        )


@pytest.mark.task(2)
def test_gradient_reaches_the_student_only(device):
    gen = torch.Generator().manual_seed(73)
    B, C, T = 6, 5, 3.0
    student = random_logits(gen, (B, C), device).requires_grad_(True)
    teacher = random_logits(gen, (B, C), device).requires_grad_(True)
    what = f"distillation_kl(student ({B}, {C}), teacher ({B}, {C}), T={T}).backward()"
    loss = kata.distillation_kl(student, teacher, T)
    if not isinstance(loss, torch.Tensor) or loss.grad_fn is None:
        raise AssertionError(
            f"{what}: returned {type(loss).__name__} without a graph back to the student's "
            f"logits; expected a 0-d tensor to backward through. Likely mistake: .item(), "
            f".detach() or torch.no_grad() on the student's side."
        )
    loss.backward()
    if teacher.grad is not None:
        raise AssertionError(
            f"{what}: teacher_logits received a gradient (norm {teacher.grad.norm():.3g}). "
            f"Likely mistake: the teacher was not detached: distillation trains the student "
            f"only, and a teacher that requires grad would be pulled towards the student."
        )
    p_s = torch.softmax(student.detach() / T, dim=-1)
    p_t = torch.softmax(teacher.detach() / T, dim=-1)
    expected = T * (p_s - p_t) / B
    got = student.grad
    # a wrong scale alone (reduction, T^2) keeps the direction: got = c * expected
    scaled = False
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        c = (got * expected).sum() / (expected * expected).sum()
        scaled = bool(torch.allclose(got, c * expected, rtol=1e-6, atol=1e-12))
    assert_tensor_close(
        got,
        expected,
        what=f"{what}: the gradient with respect to student_logits",
        rtol=1e-10,
        atol=1e-12,
        mistake="the gradient of T^2 * batchmean KL is T * (p_s - p_t) / B: another scale "
        "means another reduction, or T^2 missing."
        if scaled
        else "the gradient is not a multiple of T * (p_s - p_t) / B, so more than the scale "
        "is wrong: F.kl_div(log_softmax(student / T), softmax(teacher / T)) with the "
        "student's LOG-probabilities first, both divided by T.",
    )


@pytest.mark.task(2)
def test_teacher_module_gets_no_gradient(device):
    gen = torch.Generator().manual_seed(74)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(74)
        teacher_net = torch.nn.Linear(4, 5).to(device, torch.float64)
    x = random_logits(gen, (3, 4), device)
    student = random_logits(gen, (3, 5), device).requires_grad_(True)
    kata.distillation_kl(student, teacher_net(x), 2.0).backward()
    leaked = [n for n, p in teacher_net.named_parameters() if p.grad is not None]
    if leaked:
        raise AssertionError(
            f"distillation_kl(student (3, 5), teacher_net(x) (3, 5), T=2.0).backward() gave "
            f"the teacher network's {leaked} a gradient. Likely mistake: the teacher's logits "
            f"were not detached."
        )


@pytest.mark.task(2)
def test_gradient_scale_does_not_depend_on_temperature(device):
    """With T^2, |grad| stays within SCALE_BOUND of its large-T limit for T from 4 to 64."""
    gen = torch.Generator().manual_seed(75)
    B, C = 16, 10
    for _ in range(3):
        student = random_logits(gen, (B, C), device)
        teacher = random_logits(gen, (B, C), device)
        centred = (student - student.mean(1, keepdim=True)) - (
            teacher - teacher.mean(1, keepdim=True)
        )
        limit = (centred / (B * C)).norm().item()  # T * (p_s - p_t) / B as T grows
        ratios = {}
        for T in LARGE_T:
            x = student.clone().requires_grad_(True)
            kata.distillation_kl(x, teacher, T).backward()
            ratios[T] = x.grad.norm().item() / limit
        if all(SCALE_BOUND[0] <= r <= SCALE_BOUND[1] for r in ratios.values()):
            continue
        shown = ", ".join(f"T={T:g}: {r:.3g}" for T, r in ratios.items())
        falls = all(
            math.isclose(ratios[T] * T * T, ratios[LARGE_T[0]] * LARGE_T[0] ** 2, rel_tol=0.3)
            for T in LARGE_T
        )
        raise AssertionError(
            f"distillation_kl(student ({B}, {C}), teacher, T).backward() for large T: the "
            f"gradient norm divided by its large-T limit is {shown}; expected between "
            f"{SCALE_BOUND[0]} and {SCALE_BOUND[1]} for every T. Likely mistake: "
            + (
                "the T^2 factor is missing: without it the gradient falls as 1/T^2, so a "
                "higher temperature silently shrinks the soft term's weight."
                if falls
                else "another power of T than T^2, or another reduction."
            )
        )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "student_shape, teacher_shape, temperature",
    [((4, 5), (4, 6), 2.0), ((4, 5), (3, 5), 2.0), ((5,), (5,), 2.0), ((4, 5), (4, 5), 0.0)],
    ids=["classes-differ", "batch-differs", "1-d", "T=0"],
)
def test_distillation_kl_rejects_bad_arguments(student_shape, teacher_shape, temperature, device):
    assert_raises(
        ValueError,
        kata.distillation_kl,
        torch.zeros(student_shape, device=device),
        torch.zeros(teacher_shape, device=device),
        temperature,
        what=f"distillation_kl(student {student_shape}, teacher {teacher_shape}, T={temperature})",
        mistake="no check of the shapes (both (B, C), equal) or of temperature > 0.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
def test_distillation_loss_combines_the_two_terms_by_alpha(device):
    gen = torch.Generator().manual_seed(76)
    for alpha in (0.0, 0.3, 0.9, 1.0):
        for T in (1.0, 4.0):
            student = random_logits(gen, (6, 4), device)
            teacher = random_logits(gen, (6, 4), device)
            targets = torch.randint(0, 4, (6,), generator=gen).to(device)
            copies = student.clone(), teacher.clone(), targets.clone()
            soft, hard = loop_kl(student, teacher, T), loop_ce(student, targets)
            expected = alpha * soft + (1 - alpha) * hard
            what = (
                f"distillation_loss(student (6, 4), teacher (6, 4), targets (6,), T={T}, "
                f"alpha={alpha}), float64"
            )
            got = kata.distillation_loss(student, teacher, targets, T, alpha)
            mistake = "alpha * distillation_kl + (1 - alpha) * cross_entropy at T = 1."
            if isinstance(got, torch.Tensor) and got.numel() == 1:
                value = float(got)
                if math.isclose(value, (1 - alpha) * soft + alpha * hard, rel_tol=1e-9):
                    mistake = "alpha weights the wrong term: alpha goes with the soft term."
                elif math.isclose(
                    value,
                    alpha * soft + (1 - alpha) * loop_ce(student / T, targets),
                    rel_tol=1e-9,
                ):
                    mistake = "the hard-label cross-entropy must use the student's logits at T = 1."
            assert_tensor_close(
                got,
                torch.tensor(expected, dtype=torch.float64, device=device),
                what=what,
                rtol=1e-10,
                atol=1e-12,
                mistake=mistake,
            )
            for name, t, c in zip(
                ("student", "teacher", "targets"), (student, teacher, targets), copies, strict=True
            ):
                assert_tensor_close(t, c, what=f"{name} after {what}")


@pytest.mark.task(3)
def test_distillation_loss_trains_the_student_only(device):
    gen = torch.Generator().manual_seed(77)
    student = random_logits(gen, (5, 3), device).requires_grad_(True)
    teacher = random_logits(gen, (5, 3), device).requires_grad_(True)
    targets = torch.randint(0, 3, (5,), generator=gen).to(device)
    kata.distillation_loss(student, teacher, targets, 2.0, 0.5).backward()
    if teacher.grad is not None:
        raise AssertionError(
            "distillation_loss(student (5, 3), teacher (5, 3), targets, T=2.0, alpha=0.5)"
            ".backward() gave teacher_logits a gradient. Likely mistake: the teacher was not "
            "detached."
        )
    if student.grad is None:
        raise AssertionError(
            "distillation_loss(student (5, 3), teacher (5, 3), targets, T=2.0, alpha=0.5)"
            ".backward() left student_logits.grad None; expected a gradient. Likely mistake: "
            "the student's logits detached (or used under torch.no_grad())."
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("alpha", [-0.1, 1.5])
def test_distillation_loss_rejects_alpha_outside_0_1(alpha, device):
    assert_raises(
        ValueError,
        kata.distillation_loss,
        torch.zeros(2, 3, device=device),
        torch.zeros(2, 3, device=device),
        torch.zeros(2, dtype=torch.long, device=device),
        2.0,
        alpha,
        what=f"distillation_loss(student (2, 3), teacher (2, 3), targets (2,), T=2.0, "
        f"alpha={alpha})",
        mistake="no check that alpha lies in [0, 1].",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "teacher_shape, temperature", [((2, 4), 2.0), ((2, 3), 0.0)], ids=["shapes-differ", "T=0"]
)
def test_distillation_loss_rejects_bad_logits_and_temperature(teacher_shape, temperature, device):
    assert_raises(
        ValueError,
        kata.distillation_loss,
        torch.zeros(2, 3, device=device),
        torch.zeros(teacher_shape, device=device),
        torch.zeros(2, dtype=torch.long, device=device),
        temperature,
        0.5,
        what=f"distillation_loss(student (2, 3), teacher {teacher_shape}, targets (2,), "
        f"T={temperature}, alpha=0.5)",
        mistake="the checks of distillation_kl skipped (shapes, temperature > 0).",
    )
