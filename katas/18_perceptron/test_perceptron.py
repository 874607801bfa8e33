"""Tests for kata 18: the perceptron rule, checked against a plain-Python loop on integer data.

Integer-valued inputs make every sum exact, so the learner's tensors must equal the
reference loop bit for bit, whatever order the additions happen in.
"""

import pytest
import torch

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

EXACT = {"rtol": 0.0, "atol": 0.0}


def ints(gen, shape, low=-5, high=6):
    return torch.randint(low, high, shape, generator=gen).to(torch.float64)


def separable(seed: int, device, n: int = 40):
    """Integer points with labels from a random integer hyperplane, none within 1 of it."""
    gen = torch.Generator().manual_seed(seed)
    d = int(torch.randint(1, 4, (1,), generator=gen))
    w_true, b_true = ints(gen, (d,), -3, 4), ints(gen, (), -3, 4)
    if not w_true.any():
        w_true[0] = 1.0
    X = ints(gen, (4 * n, d))
    scores = X @ w_true + b_true
    keep = scores.abs() >= 1
    X, scores = X[keep][:n], scores[keep][:n]
    y = torch.where(scores > 0, 1.0, -1.0)
    return X.to(device), y.to(device)


def reference_train(X, y, max_epochs):
    """The perceptron in plain Python floats: the rule written as a textbook states it."""
    rows, labels = X.tolist(), y.tolist()
    w, b, mistakes = [0.0] * X.shape[1], 0.0, []
    for _ in range(max_epochs):
        count = 0
        for x, t in zip(rows, labels, strict=True):
            if t * (sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b) <= 0:
                w = [wi + t * xi for wi, xi in zip(w, x, strict=True)]
                b += t
                count += 1
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes


def unpack(result, n, what):
    __tracebackhide__ = True
    if not isinstance(result, tuple) or len(result) != n:
        raise AssertionError(f"{what} should return a tuple of {n}, got {type(result).__name__}.")
    return result


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_predict_signs_of_the_scores(seed, device):
    gen = torch.Generator().manual_seed(seed)
    X, w, b = ints(gen, (30, 3), -2, 3), ints(gen, (3,), -2, 3), ints(gen, (), -2, 3)
    expected = [
        1.0 if sum(wi * xi for wi, xi in zip(w.tolist(), x, strict=True)) + b.item() > 0 else -1.0
        for x in X.tolist()
    ]  # small integers: many scores are exactly 0
    X, w, b = X.to(device), w.to(device), b.to(device)
    got = kata.predict(w, b, X)
    assert_tensor_close(
        got,
        torch.tensor(expected, dtype=torch.float64, device=device),
        what=f"predict(w, b, X) for w = {w.tolist()}, b = {b.item()}",
        **EXACT,
        mistake="a score of exactly 0 is -1 (use > 0, not >= 0 or torch.sign, which gives 0).",
    )


# ----------------------------------------------------------------------------- task 2


def check_not_modified(before, after, name, what):
    __tracebackhide__ = True
    if not torch.equal(before, after):
        raise AssertionError(
            f"{what} changed the caller's {name} from {before.tolist()} to {after.tolist()}. "
            f"Likely mistake: {name} += ... modifies the caller's tensor in place; build a new "
            f"one with {name} + ..."
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_update_rule_exact(seed, device):
    gen = torch.Generator().manual_seed(100 + seed)
    for _ in range(25):
        d = int(torch.randint(1, 5, (1,), generator=gen))
        w, b, x = ints(gen, (d,), -2, 3), ints(gen, (), -2, 3), ints(gen, (d,), -2, 3)
        y = float(torch.randint(2, (1,), generator=gen)) * 2 - 1
        margin = y * (float(w @ x) + b.item())
        exp_w, exp_b = (w + y * x, b + y) if margin <= 0 else (w, b)
        what = (
            f"perceptron_update(w={w.tolist()}, b={b.item()}, x={x.tolist()}, y={y:+.0f}) "
            f"where y * (w @ x + b) = {margin:+.0f}"
        )
        w_d, b_d, x_d = w.to(device), b.to(device), x.to(device)
        got_w, got_b = unpack(kata.perceptron_update(w_d.clone(), b_d.clone(), x_d, y), 2, what)
        mistake = (
            "update when y * (w @ x + b) <= 0: a margin of exactly 0 (on the boundary, as "
            "every point is when w = 0) is a mistake too; otherwise leave w and b alone."
        )
        assert_tensor_close(got_w, exp_w.to(device), what=f"{what}: w", mistake=mistake, **EXACT)
        assert_tensor_close(got_b, exp_b.to(device), what=f"{what}: b", mistake=mistake, **EXACT)


@pytest.mark.task(2)
def test_update_leaves_callers_tensors_alone(device):
    w = torch.tensor([1.0, -2.0], device=device)
    b = torch.tensor(0.5, device=device)
    x = torch.tensor([1.0, 1.0], device=device)
    w0, b0, x0 = w.clone(), b.clone(), x.clone()
    what = "perceptron_update(w=[1, -2], b=0.5, x=[1, 1], y=+1) (a mistake: margin -0.5)"
    got_w, got_b = unpack(kata.perceptron_update(w, b, x, 1.0), 2, what)
    check_not_modified(w0, w, "w", what)
    check_not_modified(b0, b, "b", what)
    check_not_modified(x0, x, "x", what)
    assert_tensor_close(got_w, torch.tensor([2.0, -1.0], device=device), what=f"{what}: w")
    assert_tensor_close(got_b, torch.tensor(1.5, device=device), what=f"{what}: b")


# ----------------------------------------------------------------------------- task 3

TRAIN_MISTAKE = (
    "not the online rule: update one example at a time, in order, starting from w = 0 and "
    "b = 0, and update b too (w and b move together)."
)


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(5))
def test_training_equals_reference_loop_and_converges(seed, device):
    X, y = separable(seed, device)
    what = f"train_perceptron(X of shape {tuple(X.shape)}, y) on separable data"
    w, b, mistakes = unpack(kata.train_perceptron(X, y, max_epochs=200), 3, what)
    exp_w, exp_b, exp_mistakes = reference_train(X, y, 200)
    if list(mistakes) != exp_mistakes:
        raise AssertionError(
            f"{what} returned updates per epoch {list(mistakes)}, expected {exp_mistakes}. "
            f"Likely mistake: {TRAIN_MISTAKE}"
        )
    assert_tensor_close(
        w,
        torch.tensor(exp_w, dtype=X.dtype, device=device),
        what=f"{what}: w",
        mistake=TRAIN_MISTAKE,
        **EXACT,
    )
    assert_tensor_close(
        b,
        torch.tensor(exp_b, dtype=X.dtype, device=device),
        what=f"{what}: b",
        mistake=TRAIN_MISTAKE,
        **EXACT,
    )
    wrong = int((torch.where(X @ w + b > 0, 1.0, -1.0) != y).sum())
    if wrong:
        raise AssertionError(f"{what}: after training, {wrong} points are still misclassified.")


@pytest.mark.task(3)
def test_training_stops_at_max_epochs_on_xor(device):
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], device=device)
    y = torch.tensor([-1, 1, 1, -1], device=device)  # XOR: no line separates it; long labels
    what = "train_perceptron(XOR, max_epochs=7)"
    w, b, mistakes = unpack(kata.train_perceptron(X, y, max_epochs=7), 3, what)
    exp_w, exp_b, exp_mistakes = reference_train(X, y.double(), 7)
    if list(mistakes) != exp_mistakes:
        raise AssertionError(
            f"{what} returned updates per epoch {list(mistakes)}, expected {exp_mistakes} "
            f"(7 epochs, none clean). Likely mistake: {TRAIN_MISTAKE}"
        )
    assert_tensor_close(
        w, torch.tensor(exp_w, device=device), what=f"{what}: w", mistake=TRAIN_MISTAKE
    )
    assert_tensor_close(
        b, torch.tensor(exp_b, device=device), what=f"{what}: b", mistake=TRAIN_MISTAKE
    )
