"""Tests for kata 47: metrics against hand counts (plain loops here), and TensorBoard logging
read back from the event file with tensorboard's own EventAccumulator."""

import copy
import math
from dataclasses import dataclass, field

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

LABEL_DTYPES = [pytest.param(torch.int64, id="int64"), pytest.param(torch.int32, id="int32")]
# scores are ratios of small integers computed in float64: only the last bits may differ
# (a sum in another order), so the checks are this tight
TIGHT = {"rtol": 1e-12, "atol": 1e-15}


# ----------------------------------------------------------------------------- hand counts


def random_labels(gen, n: int, num_classes: int, dtype, device) -> tuple:
    """(y_true, y_pred) of n random labels in [0, num_classes); predictions right ~40%."""
    y_true = torch.randint(num_classes, (n,), generator=gen)
    guess = torch.randint(num_classes, (n,), generator=gen)
    right = torch.rand(n, generator=gen) < 0.4
    y_pred = torch.where(right, y_true, guess)
    return y_true.to(dtype).to(device), y_pred.to(dtype).to(device)


def hand_confusion(y_true, y_pred, num_classes: int) -> list[list[int]]:
    """cm[i][j] = how many samples are truly i and predicted j, counted one by one."""
    cm = [[0] * num_classes for _ in range(num_classes)]
    for t, p in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        cm[t][p] += 1
    return cm


def divide(a: float, b: float) -> float:
    return 0.0 if b == 0 else a / b


def hand_scores(cm: list[list[int]]) -> tuple[list[float], list[float], list[float]]:
    """Per-class precision, recall, F1 from a list-of-lists confusion matrix (0 for 0/0)."""
    c = len(cm)
    precision, recall, f1 = [], [], []
    for k in range(c):
        tp = cm[k][k]
        predicted = sum(cm[i][k] for i in range(c))  # column k
        actual = sum(cm[k][j] for j in range(c))  # row k
        p, r = divide(tp, predicted), divide(tp, actual)
        precision.append(p)
        recall.append(r)
        f1.append(divide(2 * p * r, p + r))
    return precision, recall, f1


def shown(y) -> str:
    return f"tensor {y.tolist()} {str(y.dtype).removeprefix('torch.')}"


def check_python_float(value, what: str) -> None:
    __tracebackhide__ = True
    if isinstance(value, torch.Tensor) or not isinstance(value, float):
        why = (
            "returning a tensor; call .item() on the 0-d result."
            if isinstance(value, torch.Tensor)
            else "integer division (//) or a count returned instead of a ratio."
            if isinstance(value, int)
            else "returning something other than the score (convert it with float())."
        )
        raise AssertionError(
            f"{what} returned {type(value).__name__} {value!r}; expected a Python float. "
            f"Likely mistake: {why}"
        )


def check_unchanged(before: list, after: list, what: str) -> None:
    __tracebackhide__ = True
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        if b.shape != a.shape or not torch.equal(b, a):
            raise AssertionError(
                f"{what} changed its argument {i}: it was {shown(b)}, now {shown(a)}. "
                f"Likely mistake: an in-place operation (sub_, clamp_, sort_) on the input."
            )


# ----------------------------------------------------------------------------- task 1


def check_confusion(got, expected: torch.Tensor, what: str) -> None:
    __tracebackhide__ = True
    if (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and got.dtype == expected.dtype
    ):
        if not torch.equal(got.cpu(), expected.cpu()) and torch.equal(got.cpu(), expected.T.cpu()):
            raise AssertionError(
                f"{what} returned {got.tolist()}, the transpose of the expected "
                f"{expected.tolist()}. Likely mistake: the matrix is transposed: rows must be "
                f"the TRUE labels and columns the predictions (cm[true, predicted])."
            )
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="counting wrongly: cm[i, j] is the number of samples that are truly i and "
        "predicted j.",
    )


@pytest.mark.task(1)
def test_rows_are_true_labels_and_columns_are_predictions(device):
    y_true = torch.tensor([0, 0, 0, 1], device=device)
    y_pred = torch.tensor([1, 1, 0, 1], device=device)
    expected = torch.tensor([[1, 2], [0, 1]], device=device)
    got = kata.confusion_matrix(y_true, y_pred, 2)
    check_confusion(got, expected, f"confusion_matrix({shown(y_true)}, {shown(y_pred)}, 2)")


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_confusion_matrix_equals_hand_counts(dtype, device):
    gen = torch.Generator().manual_seed(47)
    for _ in range(12):
        n = int(torch.randint(1, 40, (), generator=gen))
        c = int(torch.randint(1, 6, (), generator=gen))
        y_true, y_pred = random_labels(gen, n, c, dtype, device)
        before = [y_true.clone(), y_pred.clone()]
        expected = torch.tensor(hand_confusion(y_true, y_pred, c), device=device)
        what = f"confusion_matrix(y_true, y_pred, {c}) for N={n} labels of dtype {dtype}"
        got = kata.confusion_matrix(y_true, y_pred, c)
        check_confusion(got, expected, what)
        check_unchanged(before, [y_true, y_pred], what)


@pytest.mark.task(1)
def test_int32_labels_give_an_int64_matrix(device):
    y = torch.tensor([2, 0, 1, 1], dtype=torch.int32, device=device)
    got = kata.confusion_matrix(y, y, 3)
    if isinstance(got, torch.Tensor) and got.dtype != torch.int64:
        raise AssertionError(
            f"confusion_matrix of int32 labels returned dtype {got.dtype}; expected dtype "
            f"torch.int64 for any label dtype. Likely mistake: torch.zeros(..., "
            f"dtype=y_true.dtype), so int32 counts (which overflow past 2**31)."
        )
    check_confusion(
        got,
        torch.diag(torch.tensor([1, 2, 1], device=device)),
        f"confusion_matrix({shown(y)}, the same, 3)",
    )


@pytest.mark.task(1)
def test_length_one_one_class_and_non_contiguous_labels(device):
    one = torch.tensor([2], device=device)
    check_confusion(
        kata.confusion_matrix(one, torch.tensor([0], device=device), 3),
        torch.tensor([[0, 0, 0], [0, 0, 0], [1, 0, 0]], device=device),
        "confusion_matrix(tensor([2]), tensor([0]), 3), one sample",
    )
    zeros = torch.zeros(5, dtype=torch.long, device=device)
    check_confusion(
        kata.confusion_matrix(zeros, zeros, 1),
        torch.tensor([[5]], device=device),
        "confusion_matrix of five 0s against five 0s with num_classes=1",
    )
    gen = torch.Generator().manual_seed(1)
    wide_true, wide_pred = random_labels(gen, 30, 4, torch.int64, device)
    y_true, y_pred = wide_true[::3], wide_pred.flip(0)[::2][:10]  # strided views
    check_confusion(
        kata.confusion_matrix(y_true, y_pred, 4),
        torch.tensor(hand_confusion(y_true, y_pred, 4), device=device),
        "confusion_matrix on non-contiguous (strided) label views of length 10",
    )


def longs(*values, device):
    return torch.tensor(values, dtype=torch.long, device=device)


# case -> (make (y_true, y_pred) on a device, num_classes, the likely mistake)
BAD_INPUTS = {
    "2-D y_true": (
        lambda d: (torch.zeros(2, 3, dtype=torch.long, device=d),) * 2,
        3,
        "no check of the shapes: a (2, 3) tensor is flattened or broadcast silently.",
    ),
    "lengths differ": (
        lambda d: (longs(0, 0, 0, 0, device=d), longs(0, 0, 0, device=d)),
        3,
        "no check that y_true and y_pred have one length.",
    ),
    "no samples": (
        lambda d: (longs(device=d), longs(device=d)),
        3,
        "no check for N == 0 (an empty input makes every score 0 / 0).",
    ),
    "float labels": (
        lambda d: (torch.tensor([0.0, 1.0], device=d),) * 2,
        3,
        "no dtype check: float labels (probabilities?) are not class indices.",
    ),
    "bool labels": (
        lambda d: (torch.tensor([True, False], device=d),) * 2,
        3,
        "no dtype check: bool is not an integer dtype here.",
    ),
    "num_classes 0": (
        lambda d: (longs(0, 0, device=d),) * 2,
        0,
        "no check that num_classes >= 1.",
    ),
    "a true label equal to num_classes": (
        lambda d: (longs(0, 3, device=d), longs(0, 1, device=d)),
        3,
        "no check that labels lie in [0, num_classes): bincount or indexing then grows "
        "or corrupts the matrix silently.",
    ),
    "a negative predicted label": (
        lambda d: (longs(0, 1, device=d), longs(-1, 1, device=d)),
        3,
        "no check that the PREDICTIONS lie in [0, num_classes) too (a -1 indexes the last column).",
    ),
}


@pytest.mark.task(1)
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_confusion_matrix_rejects_bad_input(case, device):
    make, num_classes, mistake = BAD_INPUTS[case]
    y_true, y_pred = make(device)
    assert_raises(
        ValueError,
        kata.confusion_matrix,
        y_true,
        y_pred,
        num_classes,
        what=f"confusion_matrix with {case} ({shown(y_true)}, {shown(y_pred)}, "
        f"num_classes={num_classes})",
        mistake=mistake,
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_accuracy_equals_hand_count(dtype, device):
    gen = torch.Generator().manual_seed(2)
    for _ in range(10):
        n = int(torch.randint(1, 50, (), generator=gen))
        y_true, y_pred = random_labels(gen, n, 4, dtype, device)
        before = [y_true.clone(), y_pred.clone()]
        right = sum(t == p for t, p in zip(y_true.tolist(), y_pred.tolist(), strict=True))
        what = f"accuracy(y_true, y_pred) for N={n} {dtype} labels, {right} right"
        got = kata.accuracy(y_true, y_pred)
        check_python_float(got, what)
        # a float32 mean (y_true == y_pred).float().mean() is accepted: its rounding is < 1e-7
        if not math.isclose(got, right / n, rel_tol=1e-7, abs_tol=0.0):
            raise AssertionError(
                f"{what} returned {got!r}; expected {right}/{n} = {right / n!r}. Likely "
                f"mistake: dividing by the wrong count, or comparing the wrong tensors."
            )
        check_unchanged(before, [y_true, y_pred], what)


@pytest.mark.task(2)
@pytest.mark.parametrize("case", ["2-D y_true", "lengths differ", "no samples"])
def test_accuracy_and_type_errors_reject_bad_input(case, device):
    make, _, mistake = BAD_INPUTS[case]
    y_true, y_pred = make(device)
    assert_raises(
        ValueError,
        kata.accuracy,
        y_true,
        y_pred,
        what=f"accuracy with {case} (shapes {tuple(y_true.shape)}, {tuple(y_pred.shape)})",
        mistake=mistake + " (== broadcasts mismatched shapes; mean of nothing is NaN)",
    )
    assert_raises(
        ValueError,
        kata.type_errors,
        y_true,
        y_pred,
        what=f"type_errors with {case} (shapes {tuple(y_true.shape)}, {tuple(y_pred.shape)})",
        mistake=mistake,
    )


@pytest.mark.task(2)
def test_type_errors_small_example(device):
    # truly  0  0  1  1  1
    # pred   1  0  0  0  1   -> one false positive (type I), two false negatives (type II)
    y_true = torch.tensor([0, 0, 1, 1, 1], device=device)
    y_pred = torch.tensor([1, 0, 0, 0, 1], device=device)
    what = f"type_errors({shown(y_true)}, {shown(y_pred)})"
    got = kata.type_errors(y_true, y_pred)
    if tuple(got) == (2, 1):
        raise AssertionError(
            f"{what} returned {got}; expected (1, 2). Likely mistake: type I and type II "
            f"swapped: type I is a false positive (predicted 1, truly 0, a false alarm), "
            f"type II a false negative (predicted 0, truly 1, a miss)."
        )
    if tuple(got) != (1, 2):
        raise AssertionError(
            f"{what} returned {got}; expected (1, 2): (false positives, false negatives)."
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_type_errors_equal_hand_counts(dtype, device):
    gen = torch.Generator().manual_seed(3)
    for _ in range(10):
        n = int(torch.randint(1, 40, (), generator=gen))
        y_true, y_pred = random_labels(gen, n, 2, dtype, device)
        before = [y_true.clone(), y_pred.clone()]
        pairs = list(zip(y_true.tolist(), y_pred.tolist(), strict=True))
        fp = sum(t == 0 and p == 1 for t, p in pairs)
        fn = sum(t == 1 and p == 0 for t, p in pairs)
        what = f"type_errors(y_true, y_pred) for N={n} {dtype} binary labels"
        got = kata.type_errors(y_true, y_pred)
        if not isinstance(got, tuple) or len(got) != 2 or any(type(v) is not int for v in got):
            raise AssertionError(
                f"{what} returned {got!r}; expected a tuple of two Python ints. Likely "
                + (
                    "mistake: returning tensors; use .item() (or int(...)) on the counts."
                    if isinstance(got, tuple | list)
                    and any(isinstance(v, torch.Tensor) for v in got)
                    else "mistake: not a (false positives, false negatives) tuple of ints "
                    "(a list, floats, or numpy numbers)."
                )
            )
        if got == (fn, fp) and fp != fn:
            raise AssertionError(
                f"{what} returned {got}; expected ({fp}, {fn}). Likely mistake: type I and "
                f"type II swapped (type I = false positives, type II = false negatives)."
            )
        if got != (fp, fn):
            raise AssertionError(
                f"{what} returned {got}; expected (false positives, false negatives) = "
                f"({fp}, {fn})."
            )
        check_unchanged(before, [y_true, y_pred], what)


@pytest.mark.task(2)
@pytest.mark.parametrize("bad", [2, -1])
def test_type_errors_rejects_labels_other_than_0_and_1(bad, device):
    y_true = torch.tensor([0, 1, bad, 1], device=device)
    y_pred = torch.tensor([0, 1, 1, 0], device=device)
    assert_raises(
        ValueError,
        kata.type_errors,
        y_true,
        y_pred,
        what=f"type_errors({shown(y_true)}, {shown(y_pred)}), a label {bad} in binary data",
        mistake="no check that labels are 0 or 1: a label 2 is neither a positive nor a "
        "negative and would be silently miscounted.",
    )
    assert_raises(
        ValueError,
        kata.type_errors,
        y_pred,
        y_true,
        what=f"type_errors with the label {bad} among the predictions",
        mistake="only y_true was checked; the predictions need the same check.",
    )


# ----------------------------------------------------------------------------- task 3


def check_scores(got, expected: tuple, what: str) -> None:
    """got = (precision, recall, f1) tensors; expected = three lists of floats."""
    __tracebackhide__ = True
    if not isinstance(got, tuple | list) or len(got) != 3:
        raise AssertionError(
            f"{what} returned {type(got).__name__}; expected (precision, recall, f1)."
        )
    device = got[0].device if isinstance(got[0], torch.Tensor) else None
    exp = [torch.tensor(e, dtype=torch.float64, device=device) for e in expected]
    precision, recall, f1 = got
    if all(isinstance(g, torch.Tensor) and g.shape == exp[0].shape for g in got):
        if any(bool(g.isnan().any()) for g in got):
            raise AssertionError(
                f"{what} returned NaN: precision {precision.tolist()}, recall "
                f"{recall.tolist()}, f1 {f1.tolist()}; expected {expected}. Likely mistake: "
                f"no zero division rule: 0 / 0 must give 0.0 (a class never predicted has "
                f"precision 0.0), e.g. with torch.where(denominator == 0, ...)."
            )
        swapped = torch.allclose(precision.double(), exp[1]) and torch.allclose(
            recall.double(), exp[0]
        )
        if swapped and not torch.allclose(exp[0], exp[1]):
            raise AssertionError(
                f"{what} returned precision {precision.tolist()} and recall "
                f"{recall.tolist()}; expected precision {expected[0]} and recall {expected[1]}. "
                f"Likely mistake: precision and recall swapped: precision divides by the "
                f"column sum (how often c was predicted), recall by the row sum (how often c "
                f"truly occurs)."
            )
    for name, g, e in zip(("precision", "recall", "f1"), got, exp, strict=True):
        assert_tensor_close(
            g,
            e,
            what=f"{what}: {name}",
            mistake="precision = diagonal / column sums, recall = diagonal / row sums, "
            "f1 = 2pr / (p + r), each 0.0 where its denominator is 0.",
            **TIGHT,
        )


@pytest.mark.task(3)
def test_per_class_scores_small_example(device):
    # rows = truth: class 0 truly occurs 4 times (3 found), class 1 six times (4 found);
    # columns = predictions: class 0 predicted 5 times (3 right), class 1 five times (4 right)
    cm = torch.tensor([[3, 1], [2, 4]], device=device)
    precision, recall = [3 / 5, 4 / 5], [3 / 4, 4 / 6]
    f1 = [2 * p * r / (p + r) for p, r in zip(precision, recall, strict=True)]
    expected = (precision, recall, f1)
    check_scores(kata.per_class_scores(cm), expected, "per_class_scores(tensor([[3, 1], [2, 4]]))")


@pytest.mark.task(3)
def test_per_class_scores_equal_hand_formulas(device):
    gen = torch.Generator().manual_seed(4)
    for _ in range(10):
        c = int(torch.randint(1, 7, (), generator=gen))
        cm = torch.randint(0, 6, (c, c), generator=gen)
        cm[cm < 2] = 0  # plenty of empty cells, rows and columns
        cm = cm.to(device)
        before = cm.clone()
        what = f"per_class_scores(cm) for a random {c} x {c} cm = {cm.tolist()}"
        got = kata.per_class_scores(cm)
        check_scores(got, hand_scores(cm.tolist()), what)
        check_unchanged([before], [cm], what)


@pytest.mark.task(3)
def test_zero_division_gives_zero_not_nan(device):
    # class 1 is never predicted (column 1 empty); class 2 never occurs and is never
    # predicted (row and column 2 empty); class 3 occurs but is never right (p = r = 0)
    cm = torch.tensor([[4, 0, 0, 1], [2, 0, 0, 1], [0, 0, 0, 0], [3, 0, 0, 0]], device=device)
    what = f"per_class_scores({cm.tolist()}) with a class never predicted and one absent"
    check_scores(kata.per_class_scores(cm), hand_scores(cm.tolist()), what)


def check_float_triple(got, expected: tuple[float, float, float], what: str, mistake: str):
    __tracebackhide__ = True
    if not isinstance(got, tuple | list) or len(got) != 3:
        raise AssertionError(f"{what} returned {got!r}; expected (precision, recall, f1).")
    for name, g in zip(("precision", "recall", "f1"), got, strict=True):
        check_python_float(g, f"{what} ({name})")
    for name, g, e in zip(("precision", "recall", "f1"), got, expected, strict=True):
        if math.isnan(g):
            raise AssertionError(
                f"{what}: {name} is NaN, expected {e!r}. Likely mistake: no zero division "
                f"rule (0 / 0 must give 0.0)."
            )
        if not math.isclose(g, e, rel_tol=1e-12, abs_tol=1e-15):
            raise AssertionError(
                f"{what}: {name} is {g!r}, expected {e!r}; (p, r, f1) came back as "
                f"{tuple(got)}, expected {expected}. Likely mistake: {mistake}"
            )


def averages(y_true, y_pred, c: int) -> dict[str, tuple[float, float, float]]:
    """The macro and micro averages, and two wrong ones, from the hand counts."""
    cm = hand_confusion(y_true, y_pred, c)
    precision, recall, f1 = hand_scores(cm)
    mp, mr = sum(precision) / c, sum(recall) / c
    right = sum(cm[k][k] for k in range(c))
    n = len(y_true)
    acc = right / n
    present = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    return {
        "macro": (mp, mr, sum(f1) / c),
        "micro": (acc, acc, divide(2 * acc * acc, acc + acc)),
        "f1 of averages": (mp, mr, divide(2 * mp * mr, mp + mr)),
        "present only": tuple(
            sum(s[k] for k in present) / len(present) for s in (precision, recall, f1)
        ),
    }


def close3(a, b) -> bool:
    return (
        isinstance(a, tuple | list)
        and len(a) == 3
        and all(
            isinstance(x, float | int) and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
            for x, y in zip(a, b, strict=False)
        )
    )


@pytest.mark.task(3)
def test_binary_average_scores_class_one(device):
    # class 1: predicted 3 times (2 right) -> precision 2/3; truly 4 times -> recall 2/4
    y_true = torch.tensor([1, 1, 1, 1, 0, 0, 0, 0, 0], device=device)
    y_pred = torch.tensor([1, 1, 0, 0, 1, 0, 0, 0, 0], device=device)
    p, r = 2 / 3, 2 / 4
    expected = (p, r, 2 * p * r / (p + r))
    what = f"precision_recall_f1({shown(y_true)}, {shown(y_pred)}, 2, average='binary')"
    got = kata.precision_recall_f1(y_true, y_pred, 2, average="binary")
    if close3(got, (r, p, expected[2])):
        raise AssertionError(
            f"{what} returned {got}; expected {expected}. Likely mistake: precision and "
            f"recall swapped (precision = TP / (TP + FP), recall = TP / (TP + FN))."
        )
    p0, r0 = 4 / 6, 4 / 5  # class 0: predicted 6 times (4 right), truly 5 times
    if close3(got, (p0, r0, 2 * p0 * r0 / (p0 + r0))):
        raise AssertionError(
            f"{what} returned {got}, the scores of class 0; expected those of class 1, the "
            f"positive class: {expected}."
        )
    check_float_triple(got, expected, what, "average='binary' gives the scores of class 1.")


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_macro_average_is_the_mean_over_classes(dtype, device):
    gen = torch.Generator().manual_seed(5)
    for _ in range(8):
        n = int(torch.randint(1, 40, (), generator=gen))
        c = int(torch.randint(2, 6, (), generator=gen))
        y_true, y_pred = random_labels(gen, n, c, dtype, device)
        ref = averages(y_true, y_pred, c)
        before = [y_true.clone(), y_pred.clone()]
        what = f"precision_recall_f1(y_true, y_pred, {c}, average='macro') for N={n} {dtype} labels"
        got = kata.precision_recall_f1(y_true, y_pred, c, average="macro")
        if close3(got, ref["micro"]) and not close3(ref["micro"], ref["macro"]):
            raise AssertionError(
                f"{what} returned {got}, the micro average (which equals the accuracy); "
                f"expected the macro average {ref['macro']}. Likely mistake: micro and macro "
                f"confused: macro is the plain mean of the per-class scores."
            )
        if close3(got, ref["f1 of averages"]) and not close3(ref["f1 of averages"], ref["macro"]):
            raise AssertionError(
                f"{what} returned {got}; expected {ref['macro']}. Likely mistake: macro F1 "
                f"taken as 2PR / (P + R) of macro P and R; it is the mean of the per-class F1."
            )
        check_float_triple(got, ref["macro"], what, "macro = the mean of per_class_scores.")
        check_unchanged(before, [y_true, y_pred], what)


@pytest.mark.task(3)
def test_macro_average_counts_classes_absent_from_both(device):
    # num_classes=4 but class 3 appears nowhere: its scores are 0.0 and count in the mean
    y_true = torch.tensor([0, 1, 2, 2, 1, 0], device=device)
    y_pred = torch.tensor([0, 2, 2, 1, 1, 0], device=device)
    ref = averages(y_true, y_pred, 4)
    what = f"precision_recall_f1({shown(y_true)}, {shown(y_pred)}, 4, average='macro')"
    got = kata.precision_recall_f1(y_true, y_pred, 4, average="macro")
    if close3(got, ref["present only"]):
        raise AssertionError(
            f"{what} returned {got}, the mean over the classes that occur; expected "
            f"{ref['macro']}. Likely mistake: class 3 is absent from both but num_classes=4: "
            f"the macro mean is over all num_classes classes (absent ones score 0.0)."
        )
    check_float_triple(got, ref["macro"], what, "macro = the mean over all num_classes classes.")


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_micro_average_pools_the_counts(dtype, device):
    gen = torch.Generator().manual_seed(6)
    for trial in range(8):
        n = int(torch.randint(1, 40, (), generator=gen))
        c = int(torch.randint(2, 6, (), generator=gen))
        y_true, y_pred = random_labels(gen, n, c, dtype, device)
        if trial == 0:  # nothing right at all: micro scores are 0.0, not NaN
            y_pred = (y_true + 1) % c
        ref = averages(y_true, y_pred, c)
        what = f"precision_recall_f1(y_true, y_pred, {c}, average='micro') for N={n} {dtype} labels"
        got = kata.precision_recall_f1(y_true, y_pred, c, average="micro")
        if close3(got, ref["macro"]) and not close3(ref["micro"], ref["macro"]):
            raise AssertionError(
                f"{what} returned {got}, the macro average; expected the micro average "
                f"{ref['micro']} (each equal to the accuracy). Likely mistake: micro and macro "
                f"confused: micro pools TP, FP and FN over classes before dividing."
            )
        check_float_triple(got, ref["micro"], what, "micro = pooled counts: TP / N here.")


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("case", "num_classes", "average"),
    [
        ("an unknown average", 3, "weighted"),
        ("average='binary' with 3 classes", 3, "binary"),
        ("a label outside [0, num_classes)", 2, "macro"),
    ],
)
def test_precision_recall_f1_rejects_bad_arguments(case, num_classes, average, device):
    mistake = {
        "an unknown average": "no check of average: anything but 'binary', 'macro' or "
        "'micro' must raise, not fall through to a default.",
        "average='binary' with 3 classes": "no check that average='binary' has num_classes "
        "== 2 (class 1 is the positive class only then).",
        "a label outside [0, num_classes)": "the labels not validated against num_classes "
        "(build the scores from confusion_matrix, which checks them).",
    }[case]
    y_true = torch.tensor([0, 1, 2, 1], device=device)
    y_pred = torch.tensor([0, 2, 2, 1], device=device)
    assert_raises(
        ValueError,
        kata.precision_recall_f1,
        y_true,
        y_pred,
        num_classes,
        average=average,
        what=f"precision_recall_f1(labels 0..2, num_classes={num_classes}, "
        f"average={average!r}), {case}",
        mistake=mistake,
    )


# ----------------------------------------------------------------------------- task 4


N_BATCHES, BATCH, FEATURES, CLASSES = 6, 8, 5, 3


def make_training(seed: int, device):
    """A float64 linear classifier, SGD with momentum, and 6 batches of random data."""
    gen = torch.Generator().manual_seed(seed)
    model = nn.Linear(FEATURES, CLASSES, dtype=torch.float64)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    model.to(device)
    batches = [
        (
            torch.randn(BATCH, FEATURES, generator=gen, dtype=torch.float64).to(device),
            torch.randint(CLASSES, (BATCH,), generator=gen).to(device),
        )
        for _ in range(N_BATCHES)
    ]
    return model, batches


def reference_run(model, batches, *, after_step: bool = False):
    """On a copy: the losses and accuracies train_and_log must log, and the final weights.

    after_step: the accuracies of a second forward after each step instead (a usual slip).
    """
    ref = copy.deepcopy(model)
    opt = torch.optim.SGD(ref.parameters(), lr=0.5, momentum=0.9)
    losses, accuracies = [], []
    for inputs, targets in batches:
        opt.zero_grad()
        logits = ref(inputs)
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if after_step:
            with torch.no_grad():
                logits = ref(inputs)
        pred = logits.argmax(dim=1).tolist()
        accuracies.append(
            sum(p == t for p, t in zip(pred, targets.tolist(), strict=True)) / len(pred)
        )
    return losses, accuracies, ref


def float32(x: float) -> float:
    """What an event file stores for a scalar: its float32 rounding."""
    return torch.tensor(x, dtype=torch.float32).item()


@dataclass
class Spy:
    """What the learner's code did with SummaryWriter."""

    writers: list = field(default_factory=list)
    closed_by_learner: set = field(default_factory=set)
    scalars: list = field(default_factory=list)  # (tag, value as passed, global_step)


@dataclass
class Run:
    returned: object
    spy: Spy
    events: dict  # tag -> [(step, value)] read back from the event files in log_dir
    log_dir: object
    cwd: object
    model: nn.Module
    batches: list


def read_events(log_dir) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})  # 0: keep every event
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def run_train_and_log(monkeypatch, tmp_path, device, seed: int = 0) -> Run:
    """Run the learner's train_and_log with SummaryWriter spied on; read the events back.

    The current directory is an empty folder in tmp_path, so a writer made without log_dir
    (it would write ./runs/...) stays inside tmp_path and is seen there.
    """
    from torch.utils.tensorboard import SummaryWriter

    spy = Spy()
    init, add_scalar, close = SummaryWriter.__init__, SummaryWriter.add_scalar, SummaryWriter.close

    def spy_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        spy.writers.append(self)

    def spy_add_scalar(self, tag, scalar_value, global_step=None, *args, **kwargs):
        spy.scalars.append((tag, scalar_value, global_step))
        return add_scalar(self, tag, scalar_value, global_step, *args, **kwargs)

    def spy_close(self):
        spy.closed_by_learner.add(id(self))
        return close(self)

    cwd = tmp_path / "cwd"
    cwd.mkdir()
    log_dir = tmp_path / "logs"
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(SummaryWriter, "__init__", spy_init)
    monkeypatch.setattr(SummaryWriter, "add_scalar", spy_add_scalar)
    monkeypatch.setattr(SummaryWriter, "close", spy_close)
    model, batches = make_training(seed, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    try:
        returned = kata.train_and_log(model, batches, F.cross_entropy, optimizer, log_dir)
    finally:
        for writer in spy.writers:  # a writer the learner left open: stop its thread
            if id(writer) not in spy.closed_by_learner:
                close(writer)
    events = read_events(log_dir) if log_dir.is_dir() else {}
    return Run(returned, spy, events, log_dir, cwd, model, batches)


WHAT = "train_and_log(model, 6 batches, cross_entropy, SGD, log_dir)"


@pytest.mark.task(4)
def test_logs_python_floats_not_tensors(monkeypatch, tmp_path, device):
    run = run_train_and_log(monkeypatch, tmp_path, device)
    if not run.spy.scalars:
        raise AssertionError(f"{WHAT} never called SummaryWriter.add_scalar.")
    for tag, value, step in run.spy.scalars:
        if isinstance(value, torch.Tensor):
            graph = " that requires grad (it holds the whole graph)" if value.requires_grad else ""
            raise AssertionError(
                f"{WHAT}: add_scalar({tag!r}, ..., global_step={step}) got a tensor{graph} "
                f"on {value.device}, not a Python float. Likely mistake: logging `loss` "
                f"itself; log loss.item(), a Python float (no graph, no device memory)."
            )
        if not isinstance(value, float):
            raise AssertionError(
                f"{WHAT}: add_scalar({tag!r}, ...) got {type(value).__name__} {value!r}; "
                f"expected a Python float. Likely mistake: a count or an integer ratio "
                f"(correct // n) logged, or a numpy number; log float(...)."
            )


@pytest.mark.task(4)
def test_the_writer_is_closed(monkeypatch, tmp_path, device):
    run = run_train_and_log(monkeypatch, tmp_path, device)
    if not run.spy.writers:
        raise AssertionError(f"{WHAT} never made a torch.utils.tensorboard.SummaryWriter.")
    left_open = [w for w in run.spy.writers if id(w) not in run.spy.closed_by_learner]
    if left_open:
        raise AssertionError(
            f"{WHAT} made {len(run.spy.writers)} SummaryWriter(s) and returned with "
            f"{len(left_open)} never closed: its events wait in a queue for the writer's "
            f"background thread, which may not have written them when the function returns "
            f"(and never will if the process dies first). Likely "
            f"mistake: no writer.close() (or `with SummaryWriter(...) as writer:`)."
        )
    if len(run.spy.writers) != 1:
        raise AssertionError(
            f"{WHAT} made {len(run.spy.writers)} SummaryWriters; expected one for the whole "
            f"run. Likely mistake: a new SummaryWriter inside the loop (one event file each)."
        )


@pytest.mark.task(4)
def test_each_value_has_its_own_step(monkeypatch, tmp_path, device):
    run = run_train_and_log(monkeypatch, tmp_path, device)
    for tag in ("train/loss", "train/accuracy"):
        steps = [step for step, _ in run.events.get(tag, [])]
        if not steps:
            continue  # reported by the event file test
        if len(set(steps)) == 1 and len(steps) > 1:
            raise AssertionError(
                f"{WHAT}: every {tag!r} event is at the same step {steps[0]}, so TensorBoard "
                f"draws them on top of one another. Likely mistake: the same step for every "
                f"value (global_step left out, or a constant); pass global_step=i."
            )
        if steps != list(range(N_BATCHES)):
            off = (
                " (off by one: steps start at 0)" if steps == list(range(1, N_BATCHES + 1)) else ""
            )
            raise AssertionError(
                f"{WHAT}: the {tag!r} events are at steps {steps}; expected "
                f"{list(range(N_BATCHES))}, one per batch{off}."
            )


@pytest.mark.task(4)
def test_event_file_holds_the_logged_scalars(monkeypatch, tmp_path, device):
    run = run_train_and_log(monkeypatch, tmp_path, device)
    losses, accuracies, _ = reference_run(*make_training(0, device))
    found = sorted(run.events)
    if not run.log_dir.is_dir() or not any(run.log_dir.iterdir()):
        elsewhere = sorted(str(p.relative_to(tmp_path)) for p in run.cwd.rglob("events.*"))
        raise AssertionError(
            f"{WHAT} wrote no event file into log_dir"
            + (
                f"; it wrote {elsewhere} instead. Likely mistake: SummaryWriter() without "
                "log_dir=log_dir (it defaults to ./runs/<date>)."
                if elsewhere
                else ", nor one under the current directory. Likely mistake: no SummaryWriter "
                "made (or made only when some condition holds), or one given a directory "
                "other than log_dir."
            )
        )
    for tag in ("train/loss", "train/accuracy"):
        if tag not in run.events:
            raise AssertionError(
                f"{WHAT}: the event file holds the scalar tags {found}; {tag!r} is missing. "
                f"Likely mistake: another tag name, or add_scalars/new_style (not read back "
                f"as scalars)."
            )
    returned = run.returned
    if not isinstance(returned, list) or len(returned) != N_BATCHES:
        raise AssertionError(f"{WHAT} returned {returned!r}; expected a list of 6 floats.")
    for i, value in enumerate(returned):
        check_python_float(value, f"{WHAT}, returned loss {i}")
        if not math.isclose(value, losses[i], rel_tol=1e-9):
            why = (
                "the loss recorded after optimizer.step() (from a second forward pass), or "
                "a loss other than loss_fn(model(x), y) (batch 0 comes before any step, so "
                "zero_grad cannot change it)."
                if i == 0
                else "a missing zero_grad, or the steps in the wrong order."
            )
            raise AssertionError(
                f"{WHAT} returned loss {value!r} for batch {i}; expected {losses[i]!r} (the "
                f"loss of that batch before its step). Likely mistake: {why}"
            )
    logged = run.events["train/loss"]
    expected_loss = [(i, float32(v)) for i, v in enumerate(returned)]  # stored as float32
    if [v for _, v in logged] != [v for _, v in expected_loss]:
        raise AssertionError(
            f"{WHAT}: the event file holds train/loss values {[v for _, v in logged]}; "
            f"expected the returned losses in float32, {[v for _, v in expected_loss]}. "
            f"Likely mistake: logging something other than loss.item() of each batch."
        )
    logged = [v for _, v in run.events["train/accuracy"]]
    expected_acc = [float32(a) for a in accuracies]
    if logged != expected_acc:
        _, after, _ = reference_run(*make_training(0, device), after_step=True)
        raise AssertionError(
            f"{WHAT}: the event file holds train/accuracy values {logged}; expected "
            f"{expected_acc}, the accuracy of each batch's logits before its step. Likely "
            + (
                "mistake: the accuracy of a second forward after optimizer.step() (the "
                "logged values are exactly that)."
                if logged == [float32(a) for a in after]
                else "mistake: the accuracy of a second forward after optimizer.step(), or "
                "the arguments of accuracy swapped with something else."
            )
        )


@pytest.mark.task(4)
def test_training_matches_a_reference_loop_and_leaves_batches_alone(monkeypatch, tmp_path, device):
    model, batches = make_training(0, device)
    before = [(x.clone(), y.clone()) for x, y in batches]
    _, _, ref = reference_run(model, batches)
    run = run_train_and_log(monkeypatch, tmp_path, device)
    for (name, p), q in zip(run.model.named_parameters(), ref.parameters(), strict=True):
        assert_tensor_close(
            p,
            q,
            what=f"{WHAT}: parameter {name} after training",
            mistake="not one zero_grad / forward / backward / step per batch, in that order.",
            rtol=1e-10,
            atol=1e-12,
        )
    for i, ((x, y), (x0, y0)) in enumerate(zip(run.batches, before, strict=True)):
        if not (torch.equal(x, x0) and torch.equal(y, y0)):
            raise AssertionError(
                f"{WHAT} changed batch {i} in place; expected the caller's batches untouched. "
                f"Likely mistake: an in-place op on the inputs or targets (x.sub_(), "
                f"y.squeeze_(), ...)."
            )
    if any(run.cwd.iterdir()):
        raise AssertionError(
            f"{WHAT} wrote {sorted(p.name for p in run.cwd.iterdir())} into the current "
            f"directory; everything belongs in log_dir."
        )
