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


def predict_mistake(scores, got, expected):
    """Names the zero-score rule only when every wrong label sits on a score of exactly 0."""
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        off = got.to(expected.dtype) != expected
        if off.any() and bool((scores[off] == 0).all()):
            return "a score of exactly 0 is -1 (use > 0, not >= 0 or torch.sign, which gives 0)."
        if off.any():
            return (
                "labels wrong where the score is not 0: the score is X @ w + b (b included), "
                "+1 where it is > 0 and -1 elsewhere."
            )
    return "one label (+1.0 or -1.0) per row of X, shape (N,), in X's dtype."


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("seed", range(3))
def test_predict_signs_of_the_scores(seed, dtype, device):
    gen = torch.Generator().manual_seed(seed)
    X, w, b = ints(gen, (30, 3), -2, 3), ints(gen, (3,), -2, 3), ints(gen, (), -2, 3)
    scores = X @ w + b  # small integers: exact, and many are exactly 0
    expected = torch.where(scores > 0, 1.0, -1.0).to(device, dtype)
    X, w, b = X.to(device, dtype), w.to(device, dtype), b.to(device, dtype)
    if seed == 2:  # a transposed view: not contiguous
        X = X.t().contiguous().t()
    before = [w.clone(), b.clone(), X.clone()]
    got = kata.predict(w, b, X)
    for name, old, new in zip(("w", "b", "X"), before, (w, b, X), strict=True):
        check_not_modified(old, new, name, "predict(w, b, X)")
    assert_tensor_close(
        got,
        expected,
        what=f"predict(w, b, X) for w = {w.tolist()}, b = {b.item()}, X {dtype}",
        **EXACT,
        mistake=predict_mistake(scores.to(device), got, expected),
    )


# ----------------------------------------------------------------------------- task 2


def check_not_modified(before, after, name, what):
    __tracebackhide__ = True
    if after.shape != before.shape or not torch.equal(before, after):
        raise AssertionError(
            f"{what} changed the caller's {name} from {before.tolist()} to {after.tolist()}. "
            f"Likely mistake: {name} += ... modifies the caller's tensor in place; build a new "
            f"one with {name} + ..."
        )


def update_mistake(margin, w, b, x, y, got_w, got_b):
    """The rule the answer broke, read from the case and from what came back."""
    shapes_ok = isinstance(got_w, torch.Tensor) and isinstance(got_b, torch.Tensor)
    unchanged = shapes_ok and torch.equal(got_w, w) and torch.equal(got_b, b)
    if margin == 0 and unchanged:
        return (
            "a margin of exactly 0 (on the boundary, as every point is when w = 0) is a "
            "mistake too: update when y * (w @ x + b) <= 0, not < 0."
        )
    if margin > 0 and not unchanged:
        return "the example is on the right side (margin > 0): leave w and b alone."
    if margin < 0 and unchanged:
        return "the example is on the wrong side (margin < 0): update w and b."
    if shapes_ok and margin <= 0 and torch.equal(got_w, w + y * x) and torch.equal(got_b, b):
        return "the update moves b too: b + y (the bias is a weight on a constant input 1)."
    return "the update is w + y * x and b + y: the label's sign times the example, added."


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_update_rule_exact(seed, device):
    gen = torch.Generator().manual_seed(100 + seed)
    dtype = torch.float32 if seed == 3 else torch.float64  # small integers: exact in both
    for i in range(25):
        d = int(torch.randint(1, 5, (1,), generator=gen))
        w, b, x = ints(gen, (d,), -2, 3), ints(gen, (), -2, 3), ints(gen, (d,), -2, 3)
        y = float(torch.randint(2, (1,), generator=gen)) * 2 - 1
        if i % 5 == 4:
            y = int(y)  # a Python int label is +1 or -1 too
        margin = y * (float(w @ x) + b.item())
        exp_w, exp_b = (w + y * x, b + y) if margin <= 0 else (w, b)
        what = (
            f"perceptron_update(w={w.tolist()}, b={b.item()}, x={x.tolist()}, y={y:+.0f}) "
            f"where y * (w @ x + b) = {margin:+.0f}"
        )
        w_d, b_d, x_d = w.to(device, dtype), b.to(device, dtype), x.to(device, dtype)
        got_w, got_b = unpack(kata.perceptron_update(w_d.clone(), b_d.clone(), x_d, y), 2, what)
        mistake = update_mistake(margin, w_d, b_d, x_d, y, got_w, got_b)
        exp_w, exp_b = exp_w.to(device, dtype), exp_b.to(device, dtype)
        assert_tensor_close(got_w, exp_w, what=f"{what}: w", mistake=mistake, **EXACT)
        assert_tensor_close(got_b, exp_b, what=f"{what}: b", mistake=mistake, **EXACT)


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
    "not the online rule. Candidates: update one example at a time, in order (not one "
    "summed update per epoch), starting from w = 0 and b = 0, and update b too (w and b "
    "move together)."
)


def train_mistake(b, exp_b):
    """b that never moved is pinned; anything else lists the candidates."""
    if isinstance(b, torch.Tensor) and b.numel() == 1 and float(b) == 0.0 and exp_b != 0.0:
        return "b never moved: update b too (b + y on every update), not only w."
    return TRAIN_MISTAKE


def check_counts(mistakes, expected, what, extra=""):
    __tracebackhide__ = True
    if not isinstance(mistakes, list) or not all(type(m) is int for m in mistakes):
        kinds = sorted({type(m).__name__ for m in mistakes}) if isinstance(mistakes, list) else []
        raise AssertionError(
            f"{what} returned updates per epoch as a {type(mistakes).__name__}"
            + (f" of {', '.join(kinds)}" if kinds else "")
            + ", expected a list of Python ints. Likely mistake: counts kept as tensors "
            "(count += wrong, with wrong a tensor): use int(...) or count += 1."
        )
    if mistakes != expected:
        running = [sum(expected[: i + 1]) for i in range(len(expected))]
        if len(expected) > 1 and mistakes == running:
            cause = (
                "the count is not reset to 0 at the start of each epoch (it is a running total)."
            )
        elif mistakes == expected[:-1]:
            cause = (
                "the last epoch (the clean one, or the last of max_epochs) is not recorded: "
                "append the epoch's count before checking whether to stop."
            )
        else:
            cause = TRAIN_MISTAKE
        raise AssertionError(
            f"{what} returned updates per epoch {mistakes}, expected {expected}{extra}. "
            f"Likely mistake: {cause}"
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(5))
def test_training_equals_reference_loop_and_converges(seed, device):
    X, y = separable(seed, device)
    if seed == 4:
        y = y.to(torch.int32)  # labels of any dtype
    before = [X.clone(), y.clone()]
    what = f"train_perceptron(X of shape {tuple(X.shape)}, y {y.dtype}) on separable data"
    w, b, mistakes = unpack(kata.train_perceptron(X, y, max_epochs=200), 3, what)
    for name, old, new in zip(("X", "y"), before, (X, y), strict=True):
        check_not_modified(old, new, name, what)
    exp_w, exp_b, exp_mistakes = reference_train(X, y.double(), 200)
    check_counts(mistakes, exp_mistakes, what)
    assert_tensor_close(
        w,
        torch.tensor(exp_w, dtype=X.dtype, device=device),
        what=f"{what}: w",
        mistake=train_mistake(b, exp_b),
        **EXACT,
    )
    assert_tensor_close(
        b,
        torch.tensor(exp_b, dtype=X.dtype, device=device),
        what=f"{what}: b",
        mistake=train_mistake(b, exp_b),
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
    check_counts(mistakes, exp_mistakes, what, " (7 epochs, none clean)")
    assert_tensor_close(
        w, torch.tensor(exp_w, device=device), what=f"{what}: w", mistake=train_mistake(b, exp_b)
    )
    assert_tensor_close(
        b, torch.tensor(exp_b, device=device), what=f"{what}: b", mistake=train_mistake(b, exp_b)
    )


@pytest.mark.task(3)
def test_training_with_zero_epochs_returns_the_start(device):
    X = torch.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=torch.float64, device=device)
    y = torch.tensor([1.0, -1.0], dtype=torch.float64, device=device)
    what = "train_perceptron(X, y, max_epochs=0)"
    w, b, mistakes = unpack(kata.train_perceptron(X, y, max_epochs=0), 3, what)
    if mistakes != []:
        raise AssertionError(
            f"{what} returned updates per epoch {mistakes}, expected [] (no epoch at all). "
            f"Likely mistake: a loop that runs one epoch before checking max_epochs (a "
            f"do-while); loop for epoch in range(max_epochs)."
        )
    zeros = torch.zeros(2, dtype=X.dtype, device=device)
    assert_tensor_close(w, zeros, what=f"{what}: w (the start, zeros)", **EXACT)
    assert_tensor_close(b, zeros[0], what=f"{what}: b (the start, 0-d zero)", **EXACT)
