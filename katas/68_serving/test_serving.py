"""Tests for kata 68: a model server, checked over real HTTP on 127.0.0.1 against the models.

Every server is started by the test on port 0 (the OS picks a free port) and always
stopped, and the test then checks that no thread it started is left running. Every HTTP
request has a client timeout; waits for threads are bounded (HANG_GUARD_S) and are hang
guards only: no test asserts on wall time. Batching is made deterministic by a model (or
run_batch) that blocks on its first call until the test has seen, through
queue_depth(), that the other requests are waiting; then they must run as one batch.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import http.client
import inspect
import json
import math
import socket
import threading
import time
import urllib.parse
from typing import Any

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

N_FEATURES = 4
LABELS = ("cat", "dog", "bird")
SPLIT = 0.3
CLIENT_TIMEOUT_S = 10  # every HTTP request
HANG_GUARD_S = 10  # every wait for a thread or a condition
SPLIT_TOLERANCE = 0.02  # route() over 10000 users: the share sent to "b" within split +- 0.02
PROB_TOL = {"rtol": 1e-5, "atol": 1e-6}  # probabilities, float32 model against its eval copy


# ----------------------------------------------------------------------------- helpers


def expected_route(user: str, split: float) -> str:
    """The documented rule: the first 8 bytes of sha256(user) as a fraction of 2**64."""
    digest = hashlib.sha256(user.encode("utf-8")).digest()
    return "b" if int.from_bytes(digest[:8], "big") / 2**64 < split else "a"


def body(**fields: Any) -> bytes:
    return json.dumps(fields).encode("utf-8")


def wait_until(predicate, what: str) -> None:
    """Poll until predicate() is true; fail after HANG_GUARD_S (a hang guard, not a timing)."""
    __tracebackhide__ = True
    deadline = time.monotonic() + HANG_GUARD_S
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {HANG_GUARD_S} s: {what}")
        time.sleep(0.001)


class Caller(threading.Thread):
    """Calls fn(*args) in its own (daemon) thread; keeps the result or the error."""

    _count = 0

    def __init__(self, fn, *args) -> None:
        Caller._count += 1
        super().__init__(name=f"test-client-{Caller._count}", daemon=True)
        self.fn, self.args = fn, args
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn(*self.args)
        except BaseException as err:
            self.error = err

    def outcome(self, what: str) -> Any:
        """The result, after joining the thread (bounded); its error is raised here."""
        __tracebackhide__ = True
        self.join(HANG_GUARD_S)
        if self.is_alive():
            raise AssertionError(f"{what}: no answer after {HANG_GUARD_S} s.")
        if self.error is not None:
            raise self.error
        return self.result


def new_threads(before: set[threading.Thread]) -> list[str]:
    """Threads alive now that were not before, other than the tests' own clients."""
    return [
        t.name
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.name.startswith("test-client")
    ]


# ----------------------------------------------------------------------------- task 1


def check_request(got, features, user, version, single, what):
    __tracebackhide__ = True
    if not isinstance(got, dict) or set(got) != {"features", "user", "version", "single"}:
        raise AssertionError(
            f"{what} returned {got!r}; expected a dict with the keys features, user, version, "
            f"single."
        )
    assert_tensor_close(
        got["features"],
        torch.tensor(features, dtype=torch.float32),
        what=f"{what}: ['features']",
        mistake="one row is a (1, n_features) tensor; a list of rows is (K, n_features).",
    )
    for key, expected in (("user", user), ("version", version), ("single", single)):
        if got[key] != expected or type(got[key]) is not type(expected):
            raise AssertionError(f"{what}: [{key!r}] is {got[key]!r}, expected {expected!r}.")


@pytest.mark.task(1)
def test_preprocess_reads_one_row():
    what = 'preprocess(b\'{"user": "ann", "features": [1, 2.5, -3, 0]}\', 4)'
    got = kata.preprocess(body(user="ann", features=[1, 2.5, -3, 0]), N_FEATURES)
    check_request(got, [[1.0, 2.5, -3.0, 0.0]], "ann", None, True, what)


@pytest.mark.task(1)
def test_preprocess_reads_a_batch_and_a_version():
    rows = [[0.5, 1, 2, 3], [-1, -2, 1e6, 4.25], [0, 0, 0, 0]]
    what = 'preprocess(b\'{"user": "bo", "features": [3 rows of 4], "version": "b"}\', 4)'
    got = kata.preprocess(body(user="bo", features=rows, version="b"), N_FEATURES)
    check_request(got, rows, "bo", "b", False, what)


@pytest.mark.task(1)
def test_preprocess_a_list_of_one_row_is_a_batch():
    what = 'preprocess(b\'{"user": "cy", "features": [[1, 2, 3, 4]]}\', 4)'
    got = kata.preprocess(body(user="cy", features=[[1, 2, 3, 4]]), N_FEATURES)
    try:
        check_request(got, [[1.0, 2.0, 3.0, 4.0]], "cy", None, False, what)
    except AssertionError as err:
        raise AssertionError(
            f"{err} Likely mistake: 'single' decided by the number of rows; it says whether "
            f"'features' was one row (a list of numbers) or a list of rows, even of one row."
        ) from None


GOOD_ROW = [1.0, 2.0, 3.0, 4.0]
BAD_BODIES = [  # label, body, words the message must contain (any one of them), likely mistake
    ("not JSON", b'{"user": "u", features: [1, 2, 3, 4]}', ("JSON",), ""),
    ("not UTF-8", b'{"user": "\xff", "features": [1, 2, 3, 4]}', ("JSON", "UTF-8", "utf-8"), ""),
    ("empty body", b"", ("JSON",), ""),
    ("a JSON list", b"[1, 2, 3, 4]", ("object",), ""),
    ("no 'user'", body(features=GOOD_ROW), ("user",), ""),
    ("no 'features'", body(user="u"), ("features",), ""),
    ("an unknown key", body(user="u", features=GOOD_ROW, colour="red"), ("colour",), ""),
    ("'user' a number", body(user=7, features=GOOD_ROW), ("user",), ""),
    ("'user' empty", body(user="", features=GOOD_ROW), ("user",), ""),
    ("'version' a number", body(user="u", features=GOOD_ROW, version=2), ("version",), ""),
    ("'features' a string", body(user="u", features="1,2,3,4"), ("features",), ""),
    ("'features' null", body(user="u", features=None), ("features",), ""),
    ("'features' empty", body(user="u", features=[]), ("features",), ""),
    (
        "a row of 3 numbers",
        body(user="u", features=[1, 2, 3]),
        ("3",),
        "every row must have n_features numbers: check len(row) against n_features.",
    ),
    (
        "a ragged batch",
        body(user="u", features=[GOOD_ROW, [1, 2, 3]]),
        ("3",),
        "every row must have n_features numbers: check len(row) against n_features.",
    ),
    ("a string among the numbers", body(user="u", features=[1, "2", 3, 4]), ("2",), ""),
    ("rows nested too deep", body(user="u", features=[[GOOD_ROW]]), ("features",), ""),
    (
        "true among the numbers",
        b'{"user": "u", "features": [1, true, 3, 4]}',
        ("true", "True", "bool"),
        "JSON true/false arrive as bool, which Python counts as an int: refuse them "
        "(isinstance(v, bool)).",
    ),
    (
        "NaN among the numbers",
        b'{"user": "u", "features": [1, NaN, 3, 4]}',
        ("finite", "nan", "NaN"),
        "Python's json reads NaN and Infinity: refuse numbers that are not finite (math.isfinite).",
    ),
    (
        "Infinity among the numbers",
        b'{"user": "u", "features": [1, 2, Infinity, 4]}',
        ("finite", "inf", "Infinity"),
        "Python's json reads NaN and Infinity: refuse numbers that are not finite (math.isfinite).",
    ),
]


@pytest.mark.task(1)
@pytest.mark.parametrize("case", range(len(BAD_BODIES)), ids=lambda i: BAD_BODIES[i][0])
def test_preprocess_refuses_a_bad_body_with_a_clear_value_error(case):
    label, raw, words, mistake = BAD_BODIES[case]
    what = f"preprocess({raw[:60]!r}, 4) with {label}"
    err = assert_raises(ValueError, kata.preprocess, raw, N_FEATURES, what=what, mistake=mistake)
    if not any(word in str(err) for word in words):
        raise AssertionError(
            f"{what} raised ValueError({str(err)!r}); the message should say what was wrong "
            f"and where: it should contain {' or '.join(repr(w) for w in words)}. "
            + (
                f"Likely mistake: {mistake}"
                if mistake
                else "Likely mistake: an error from "
                "json or torch passed on as it is, instead of a message of your own."
            )
        )


# ----------------------------------------------------------------------------- task 2


def check_predictions(got, logits, what, mistake=""):
    __tracebackhide__ = True
    if not isinstance(got, list) or len(got) != logits.shape[0]:
        raise AssertionError(
            f"{what} returned {type(got).__name__} of {len(got) if isinstance(got, list) else '?'}"
            f"; expected a list of {logits.shape[0]} dicts, one per row."
        )
    expected = torch.softmax(logits.detach().double().cpu(), dim=1)
    for i, item in enumerate(got):
        if not isinstance(item, dict) or set(item) != {"label", "probs"}:
            raise AssertionError(f"{what}: item {i} is {item!r}; expected {{'label', 'probs'}}.")
        probs = item["probs"]
        if not isinstance(probs, list) or not all(type(p) is float for p in probs):
            raise AssertionError(
                f"{what}: item {i}'s probs is {type(probs).__name__} of "
                f"{[type(p).__name__ for p in probs] if isinstance(probs, list) else '?'}; "
                f"expected Python floats, which json.dumps can write (tensor.tolist())."
            )
        assert_tensor_close(
            torch.tensor(probs, dtype=torch.float64),
            expected[i],
            what=f"{what}: probs of row {i}",
            mistake=mistake or "the softmax over each row (dim=1) of the logits.",
            **PROB_TOL,
        )
        best = LABELS[int(logits[i].argmax())]
        if item["label"] != best:
            raise AssertionError(
                f"{what}: row {i} has label {item['label']!r}; its largest logit is {best!r}."
            )
    json.dumps(got)  # JSON-ready


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_postprocess_gives_a_label_and_probabilities_per_row(dtype, device):
    gen = torch.Generator().manual_seed(2)
    logits = (torch.randn(5, 3, generator=gen) * 3).to(device, dtype)
    before = logits.clone()
    what = f"postprocess(logits (5, 3) {dtype}, {list(LABELS)})"
    got = kata.postprocess(logits, LABELS)
    wrong_axis = torch.softmax(logits.double(), dim=0)
    mistake = ""
    if isinstance(got, list) and got and isinstance(got[0], dict):
        probs = got[0].get("probs")
        if isinstance(probs, list) and torch.allclose(
            torch.tensor([float(p) for p in probs], dtype=torch.float64),
            wrong_axis[0].cpu(),
            rtol=1e-4,
        ):
            mistake = "the softmax ran down the batch (dim=0) instead of over each row (dim=1)."
    check_predictions(got, logits, what, mistake)
    if not torch.equal(logits, before):
        raise AssertionError(f"{what} changed the caller's logits.")


@pytest.mark.task(2)
def test_postprocess_large_logits_do_not_overflow(device):
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [1e4, 1e4, 0.0]], device=device)
    what = "postprocess(tensor([[1000., 0., -1000.], [1e4, 1e4, 0.]]), labels)"
    got = kata.postprocess(logits, LABELS)
    check_predictions(
        got,
        logits,
        what,
        "exp(logits) / exp(logits).sum() overflows (exp(1000) is inf, inf / inf is NaN): "
        "torch.softmax subtracts the row's maximum first.",
    )


@pytest.mark.task(2)
def test_postprocess_of_an_empty_batch_is_an_empty_list(device):
    got = kata.postprocess(torch.zeros(0, 3, device=device), LABELS)
    if got != []:
        raise AssertionError(f"postprocess(logits (0, 3), labels) returned {got!r}; expected [].")


@pytest.mark.task(2)
def test_postprocess_refuses_logits_that_do_not_match_the_labels(device):
    assert_raises(
        ValueError,
        kata.postprocess,
        torch.zeros(2, 4, device=device),
        LABELS,
        what="postprocess(logits (2, 4), 3 labels)",
        mistake="check logits.shape[1] == len(labels) first.",
    )


# ----------------------------------------------------------------------------- task 3


USERS = [f"user-{i}" for i in range(3000)] + ["zoë", "用户", "a b", "ANN", "ann"]


def bulk_route():
    """route() for thousands of calls: the first goes through the harness (which records
    calls for its reports), the rest straight to the function."""
    kata.route(USERS[0], 0.5)
    return inspect.unwrap(kata.route)


@pytest.mark.task(3)
@pytest.mark.parametrize("split", [0.1, 0.5, 0.73])
def test_route_follows_the_sha256_bucket_exactly(split):
    route = bulk_route()
    wrong = [u for u in USERS if route(u, split) != expected_route(u, split)]
    if wrong:
        flipped = all(route(u, split) != expected_route(u, split) for u in USERS[:200])
        raise AssertionError(
            f"route(user, {split}) disagrees with the documented bucket for {len(wrong)} of "
            f"{len(USERS)} users (e.g. {wrong[0]!r}: got {route(wrong[0], split)!r}). "
            "Likely mistake: "
            + (
                "split read as the share of 'a'; split is the fraction of users sent to 'b'."
                if flipped
                else "Python's hash(), which is salted per process (PYTHONHASHSEED), so every "
                "restart would reshuffle the users; or another hash, byte order or bound: "
                "int.from_bytes(sha256(user.encode()).digest()[:8], 'big') / 2**64 < split."
            )
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("split", [0.1, 0.3, 0.5])
def test_route_sends_the_split_to_b_over_many_users(split):
    route = bulk_route()
    users = [f"customer:{i:05d}" for i in range(10_000)]
    share = sum(route(u, split) == "b" for u in users) / len(users)
    if abs(share - split) > SPLIT_TOLERANCE:
        raise AssertionError(
            f"route(user, {split}) sent {share:.3f} of 10000 users to 'b'; expected "
            f"{split} +- {SPLIT_TOLERANCE}. Likely mistake: "
            + (
                "split is the fraction of users sent to 'b' (bucket < split), not to 'a'."
                if abs(share - (1 - split)) <= SPLIT_TOLERANCE
                else "a bucket that is not uniform in [0, 1): the first 8 bytes of the "
                "sha256 digest as an int, divided by 2**64 (not another bound or byte count)."
            )
        )


@pytest.mark.task(3)
def test_route_split_0_and_1_send_everyone_to_one_version():
    for split, version in ((0.0, "a"), (1.0, "b")):
        others = [u for u in USERS[:500] if bulk_route()(u, split) != version]
        if others:
            raise AssertionError(
                f"route(user, {split}) sent {len(others)} of 500 users elsewhere than "
                f"{version!r}; split {split} sends everyone to {version!r}."
            )


@pytest.mark.task(3)
@pytest.mark.parametrize("split", [-0.1, 1.5, math.nan])
def test_route_refuses_a_split_outside_0_1(split):
    assert_raises(
        ValueError,
        kata.route,
        "ann",
        split,
        what=f"route('ann', {split})",
        mistake="check 0 <= split <= 1 (NaN fails it too).",
    )


# ----------------------------------------------------------------------------- task 4


def row_answer(batch: torch.Tensor) -> torch.Tensor:
    """A row-wise function: row i of the answer depends on row i of the input only."""
    return batch * 2 + batch.sum(dim=1, keepdim=True)


class GatedRun:
    """run_batch for the tests: row_answer, recording batch sizes; the first call blocks
    until release is set, so that later requests pile up in the queue."""

    def __init__(self, block_first: bool = True) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.sizes: list[int] = []
        self.block_first = block_first

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        self.sizes.append(len(batch))
        if self.block_first and len(self.sizes) == 1:
            self.entered.set()
            self.release.wait(HANG_GUARD_S)
        return row_answer(batch)


def rows(gen, k: int) -> torch.Tensor:
    return torch.randn(k, 3, generator=gen)


@contextlib.contextmanager
def batcher(run, max_batch_size: int, max_wait_s: float):
    """A DynamicBatcher that is always closed, whose worker must then be gone."""
    before = set(threading.enumerate())
    b = kata.DynamicBatcher(run, max_batch_size, max_wait_s)
    try:
        yield b
    finally:
        if isinstance(run, GatedRun):
            run.release.set()
        b.close()
    left = new_threads(before)
    if left:
        raise AssertionError(
            f"DynamicBatcher.close() returned with threads still running: {left}. Likely "
            f"mistake: close() must join the worker thread."
        )


def queue_up(b, gated: GatedRun, sizes: list[int], gen) -> tuple[Caller, list[Caller]]:
    """One request that blocks the worker, then len(sizes) requests waiting behind it."""
    __tracebackhide__ = True
    first = Caller(b.submit, rows(gen, 1))
    first.start()
    wait_until(
        gated.entered.is_set,
        "run_batch was never called for a lone request. Likely mistake: the batch waits to "
        "be full (the window must close max_wait_s after the first request), or the worker "
        "thread was never started, or it does not take requests from the queue.",
    )
    callers = []
    for k in sizes:
        callers.append(Caller(b.submit, rows(gen, k)))
        callers[-1].start()
    wait_until(
        lambda: b.queue_depth() == len(sizes),
        f"queue_depth() never reached {len(sizes)} with {len(sizes)} requests waiting "
        f"behind a running batch (it says {b.queue_depth()}). Likely mistake: queue_depth() "
        f"must count the submitted requests not yet taken into a batch.",
    )
    return first, callers


def check_answers(callers: list[Caller], what: str) -> None:
    __tracebackhide__ = True
    for i, caller in enumerate(callers):
        x = caller.args[0]
        got = caller.outcome(
            f"{what}: request {i}. Likely mistake: the batch waits to be full (the window "
            f"must close max_wait_s after the first request), or a request lost"
        )
        assert_tensor_close(
            got,
            row_answer(x),
            what=f"{what}: the answer of request {i} ({len(x)} rows)",
            mistake="each caller must get its own rows back, in order: split the batch's "
            "output by the requests' sizes, in the order they were concatenated; these "
            "may be another caller's rows.",
        )


@pytest.mark.task(4)
def test_waiting_requests_run_as_one_batch_and_each_gets_its_own_rows():
    gen = torch.Generator().manual_seed(4)
    gated = GatedRun()
    sizes = [1, 2, 3, 1, 2]
    with batcher(gated, max_batch_size=100, max_wait_s=0.01) as b:
        first, callers = queue_up(b, gated, sizes, gen)
        gated.release.set()
        what = f"DynamicBatcher(max_batch_size=100): requests of {sizes} rows waiting together"
        check_answers([first, *callers], what)
        if gated.sizes != [1, sum(sizes)]:
            raise AssertionError(
                f"{what}: run_batch ran batches of {gated.sizes} rows; expected [1, "
                f"{sum(sizes)}]: the waiting requests fit in one batch. Likely mistake: "
                f"one request per call of run_batch, or a batch closed before every waiting "
                f"request that fits was added."
            )
        if b.batch_sizes != gated.sizes:
            raise AssertionError(
                f"{what}: batch_sizes is {b.batch_sizes}; run_batch saw {gated.sizes}."
            )


@pytest.mark.task(4)
def test_a_batch_holds_at_most_max_batch_size_rows():
    gen = torch.Generator().manual_seed(5)
    gated = GatedRun()
    with batcher(gated, max_batch_size=4, max_wait_s=0.01) as b:
        first, callers = queue_up(b, gated, [1] * 6, gen)
        gated.release.set()
        what = "DynamicBatcher(max_batch_size=4): 6 one-row requests waiting"
        check_answers([first, *callers], what)
        if gated.sizes != [1, 4, 2]:
            raise AssertionError(
                f"{what}: run_batch ran batches of {gated.sizes} rows; expected [1, 4, 2]. "
                f"Likely mistake: max_batch_size not respected (stop adding requests when the "
                f"next one would not fit), or one request per batch."
            )


@pytest.mark.task(4)
def test_a_request_is_never_split_across_batches():
    gen = torch.Generator().manual_seed(6)
    gated = GatedRun()
    with batcher(gated, max_batch_size=3, max_wait_s=0.01) as b:
        first, callers = queue_up(b, gated, [2, 2, 4], gen)
        gated.release.set()
        what = "DynamicBatcher(max_batch_size=3): requests of 2, 2 and 4 rows waiting"
        check_answers([first, *callers], what)
        if gated.sizes != [1, 2, 2, 4]:
            raise AssertionError(
                f"{what}: run_batch ran batches of {gated.sizes} rows; expected [1, 2, 2, 4]: "
                f"2 + 2 rows exceed 3, and the 4-row request runs alone. Likely mistake: a "
                f"request split to fill a batch, or max_batch_size not respected."
            )


@pytest.mark.task(4)
def test_a_lone_request_is_answered_when_the_window_closes():
    gen = torch.Generator().manual_seed(7)
    gated = GatedRun(block_first=False)
    with batcher(gated, max_batch_size=64, max_wait_s=0.02) as b:
        caller = Caller(b.submit, rows(gen, 2))
        caller.start()
        caller.join(HANG_GUARD_S)
        if caller.is_alive():
            raise AssertionError(
                f"DynamicBatcher(max_batch_size=64, max_wait_s=0.02).submit(2 rows), alone: "
                f"no answer after {HANG_GUARD_S} s. Likely mistake: the batch waits to be full "
                f"(the window must close max_wait_s after the first request), or the result "
                f"never handed back to the waiting caller."
            )
        check_answers([caller], "a lone request")
        if gated.sizes != [2]:
            raise AssertionError(f"a lone request of 2 rows ran as batches {gated.sizes}.")


@pytest.mark.task(4)
def test_a_full_batch_runs_without_waiting_out_the_window():
    gen = torch.Generator().manual_seed(8)
    gated = GatedRun(block_first=False)
    what = "DynamicBatcher(max_batch_size=2, max_wait_s=600): two one-row requests"
    with batcher(gated, max_batch_size=2, max_wait_s=600) as b:
        callers = [Caller(b.submit, rows(gen, 1)) for _ in range(2)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(HANG_GUARD_S)
        if any(caller.is_alive() for caller in callers):
            raise AssertionError(
                f"{what}: still waiting after {HANG_GUARD_S} s. Likely mistake: the batch "
                f"was full (max_batch_size rows) and should have run at once, not at the end "
                f"of the window."
            )
        check_answers(callers, what)
        if gated.sizes != [2]:
            raise AssertionError(f"{what}: run_batch ran batches of {gated.sizes}; expected [2].")


@pytest.mark.task(4)
# a worker that dies of the error also makes pytest warn about an unhandled exception in a
# thread, after this test has already failed with the explanation: one report is enough
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_error_in_run_batch_reaches_its_callers_and_the_worker_goes_on():
    gen = torch.Generator().manual_seed(9)
    calls = []

    def flaky(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise ValueError("model exploded")
        return row_answer(batch)

    what = "DynamicBatcher.submit(x) when run_batch raises ValueError('model exploded')"
    with batcher(flaky, max_batch_size=8, max_wait_s=0.0) as b:
        caller = Caller(b.submit, rows(gen, 1))
        caller.start()
        caller.join(HANG_GUARD_S)
        if caller.is_alive():
            raise AssertionError(
                f"{what}: the caller got no answer after {HANG_GUARD_S} s. Likely mistake: "
                f"the worker must hand the error to the batch's callers (and go on), not die "
                f"with it."
            )
        if not isinstance(caller.error, ValueError) or "model exploded" not in str(caller.error):
            raise AssertionError(
                f"{what}: the caller got {caller.error!r} / {caller.result!r}; expected the "
                f"ValueError itself, raised from submit()."
            )
        after = Caller(b.submit, rows(gen, 2))
        after.start()
        after.join(HANG_GUARD_S)
        if after.is_alive():
            raise AssertionError(
                f"{what}, then another submit: no answer after {HANG_GUARD_S} s. Likely "
                f"mistake: the worker died with the error; hand the error to the callers and "
                f"go on with the next batch."
            )
        check_answers([after], f"{what}, then another submit")


@pytest.mark.task(4)
def test_close_fails_waiting_requests_and_joins_the_worker():
    gen = torch.Generator().manual_seed(10)
    gated = GatedRun()
    before = set(threading.enumerate())
    b = kata.DynamicBatcher(gated, 8, 0.01)
    closer = None
    try:
        first, waiting = queue_up(b, gated, [1, 2], gen)
        closer = Caller(b.close)
        closer.start()
        for caller in waiting:
            caller.join(HANG_GUARD_S)
            if caller.is_alive() or not isinstance(caller.error, RuntimeError):
                raise AssertionError(
                    f"close() while requests wait: a waiting submit() "
                    f"{'is still blocked' if caller.is_alive() else f'got {caller.error!r}'}; "
                    f"expected RuntimeError at once. Likely mistake: close() must fail the "
                    f"requests still in the queue."
                )
    finally:
        gated.release.set()
    check_answers([first], "close() while a batch runs: that batch's request")
    closer.outcome("close()")
    left = new_threads(before)
    if left:
        raise AssertionError(f"close() returned with threads still running: {left}; join it.")
    assert_raises(
        RuntimeError,
        b.submit,
        rows(gen, 1),
        what="DynamicBatcher.submit(x) after close()",
        mistake="a closed batcher must refuse new requests (nothing would answer them).",
    )
    b.close()  # twice is fine


@pytest.mark.task(4)
@pytest.mark.parametrize(("size", "wait"), [(0, 0.01), (4, -1.0)])
def test_batcher_refuses_bad_settings(size, wait):
    assert_raises(
        ValueError,
        kata.DynamicBatcher,
        row_answer,
        size,
        wait,
        what=f"DynamicBatcher(run_batch, max_batch_size={size}, max_wait_s={wait})",
        mistake="check max_batch_size >= 1 and max_wait_s >= 0 (before starting the worker).",
    )


# ----------------------------------------------------------------------------- task 5


class Classifier(nn.Module):
    """BatchNorm and Dropout: a batch of one fails, and answers are random, in train mode."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.net = nn.Sequential(
            nn.Linear(N_FEATURES, 16),
            nn.BatchNorm1d(16),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(16, len(LABELS)),
        )
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=gen))
            self.net[1].running_mean.copy_(torch.randn(16, generator=gen))
            self.net[1].running_var.copy_(torch.rand(16, generator=gen) + 0.5)

    def forward(self, x):
        return self.net(x)


GATES: dict[str, dict[str, Any]] = {}  # shared by a Gated model and its deep copies


class Gated(nn.Module):
    """Wraps a model; records each call's batch size and inference mode; may block once."""

    def __init__(self, inner: nn.Module, key: str, block_first: bool) -> None:
        super().__init__()
        self.inner, self.key = inner, key
        GATES[key] = {
            "entered": threading.Event(),
            "release": threading.Event(),
            "sizes": [],
            "inference": [],
            "block_first": block_first,
        }

    def forward(self, x):
        gate = GATES[self.key]
        gate["sizes"].append(len(x))
        gate["inference"].append(torch.is_inference_mode_enabled())
        if gate["block_first"] and len(gate["sizes"]) == 1:
            gate["entered"].set()
            gate["release"].wait(HANG_GUARD_S)
        return self.inner(x)


def make_models(device) -> dict[str, nn.Module]:
    """Versions a and b, in train mode (as a training script leaves them)."""
    return {"a": Classifier(1).to(device).train(), "b": Classifier(2).to(device).train()}


def expected_probs(model: nn.Module, features) -> torch.Tensor:
    """The model's answer: an eval copy, softmax in float64, on the CPU."""
    param = next(model.parameters())
    reference = copy.deepcopy(model).eval()
    with torch.no_grad():
        logits = reference(torch.tensor(features, dtype=torch.float32, device=param.device))
    return torch.softmax(logits.double(), dim=1).cpu()


@contextlib.contextmanager
def serving(models, split: float = SPLIT, max_batch_size: int = 16):
    """A started ModelServer, always stopped; afterwards none of its threads may be left."""
    __tracebackhide__ = True
    before = set(threading.enumerate())
    server = kata.ModelServer(
        models,
        n_features=N_FEATURES,
        labels=LABELS,
        split=split,
        max_batch_size=max_batch_size,
        max_wait_s=0.005,
    )
    try:
        server.start()
        yield server
    finally:
        for gate in GATES.values():
            gate["release"].set()
        server.stop()
    left = new_threads(before)
    if left:
        raise AssertionError(
            f"ModelServer.stop() returned with threads still running: {left}. Likely "
            f"mistake: stop() must shutdown() and server_close() the HTTP server, join its "
            f"thread, and close() every batcher (which joins its worker); request threads "
            f"are joined by server_close() only when daemon_threads is False."
        )


def call(server, method: str, path: str, payload: bytes | None = None):
    """(status, JSON body, Content-Type) of one real HTTP request, with a client timeout."""
    __tracebackhide__ = True
    parts = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=CLIENT_TIMEOUT_S)
    what = f"{method} {path}" + (f" with body {payload[:70]!r}" if payload is not None else "")
    try:
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except TimeoutError:
        raise AssertionError(f"{what}: no answer within {CLIENT_TIMEOUT_S} s.") from None
    except (ConnectionError, http.client.HTTPException) as err:
        raise AssertionError(
            f"{what}: the connection failed ({type(err).__name__}: {err}). Likely mistake: an "
            f"exception escaped the handler, so the server closed the connection unanswered."
        ) from None
    finally:
        conn.close()
    try:
        data = json.loads(raw)
    except ValueError:
        raise AssertionError(
            f"{what}: status {response.status} with a body that is not JSON: {raw[:200]!r}. "
            f"Every answer, errors included, is JSON."
        ) from None
    return response.status, data, response.getheader("Content-Type"), what


def check_ok(status, data, what) -> dict[str, Any]:
    __tracebackhide__ = True
    if status != 200:
        why = (
            "the model run in train mode (BatchNorm cannot normalise one row in train mode): "
            "serve deep copies in eval mode; or an exception in the server."
            if status == 500
            else "a valid request refused."
        )
        raise AssertionError(
            f"{what}: status {status} {data!r}; expected 200. Likely mistake: {why}"
        )
    return data


def check_prediction(item, expected_row, what) -> None:
    __tracebackhide__ = True
    if not isinstance(item, dict) or "probs" not in item or "label" not in item:
        raise AssertionError(f"{what}: prediction {item!r}; expected {{'label', 'probs'}}.")
    assert_tensor_close(
        torch.tensor(item["probs"], dtype=torch.float64),
        expected_row,
        what=f"{what}: probs",
        mistake="the model run in train mode (Dropout, BatchNorm's batch statistics): serve "
        "deep copies of the models in eval mode; or the features not turned into the "
        "model's input as preprocess() does, or the probabilities not postprocess()'s.",
        **PROB_TOL,
    )
    if item["label"] != LABELS[int(expected_row.argmax())]:
        raise AssertionError(f"{what}: label {item['label']!r} is not the most probable class.")


def predict(server, user, features, version=None):
    fields = {"user": user, "features": features}
    if version is not None:
        fields["version"] = version
    status, data, _, what = call(server, "POST", "/predict", body(**fields))
    return check_ok(status, data, what), what


def row_features(gen, k: int) -> list[list[float]]:
    return (torch.randn(k, N_FEATURES, generator=gen) * 2).tolist()


@pytest.mark.task(5)
def test_servers_listen_on_127_0_0_1_at_ports_the_os_picks(device):
    models = make_models(device)
    with serving(models) as one, serving(models) as two:
        ports = []
        for server in (one, two):
            parts = urllib.parse.urlsplit(server.url)
            if parts.scheme != "http" or parts.hostname != "127.0.0.1" or not parts.port:
                raise AssertionError(
                    f"server.url is {server.url!r}; expected 'http://127.0.0.1:<port>' with the "
                    f"port the OS picked (bind to port 0, then read server_address)."
                )
            ports.append(parts.port)
            status, data, ctype, what = call(server, "GET", "/health")
            if status != 200 or data != {"status": "ok", "versions": ["a", "b"]}:
                raise AssertionError(
                    f"{what}: status {status} {data!r}; expected 200 "
                    f"{{'status': 'ok', 'versions': ['a', 'b']}}."
                )
            if not (ctype or "").startswith("application/json"):
                raise AssertionError(f"{what}: Content-Type {ctype!r}; expected application/json.")
        if ports[0] == ports[1]:
            raise AssertionError(f"two servers got the same port {ports[0]}.")


@pytest.mark.task(5)
def test_single_predictions_equal_the_models_in_eval_mode(device):
    gen = torch.Generator().manual_seed(11)
    models = make_models(device)
    with serving(models) as server:
        for user in ("ann", "bo", "cy", "dee", "ed"):
            features = row_features(gen, 1)[0]
            data, what = predict(server, user, features)
            version = expected_route(user, SPLIT)
            if data.get("version") != version:
                raise AssertionError(
                    f"{what}: served by version {data.get('version')!r}; route({user!r}, "
                    f"{SPLIT}) is {version!r}."
                )
            predictions = data.get("predictions")
            if not isinstance(predictions, list) or len(predictions) != 1:
                raise AssertionError(f"{what}: predictions {predictions!r}; expected one.")
            check_prediction(predictions[0], expected_probs(models[version], [features])[0], what)


@pytest.mark.task(5)
def test_batch_and_single_answers_equal(device):
    gen = torch.Generator().manual_seed(12)
    models = make_models(device)
    batch = row_features(gen, 6)
    with serving(models) as server:
        data, what = predict(server, "fay", batch)
        version = expected_route("fay", SPLIT)
        predictions = data.get("predictions")
        if data.get("version") != version or not isinstance(predictions, list):
            raise AssertionError(f"{what}: {data!r}; expected version {version!r}, 6 predictions.")
        if len(predictions) != 6:
            raise AssertionError(f"{what}: {len(predictions)} predictions for 6 rows.")
        expected = expected_probs(models[version], batch)
        for i, row in enumerate(batch):
            single, single_what = predict(server, "fay", row)
            check_prediction(predictions[i], expected[i], f"{what}: row {i} of the batch")
            check_prediction(
                single["predictions"][0],
                torch.tensor(predictions[i]["probs"], dtype=torch.float64),
                f"{single_what}, against row {i} of the batch",
            )


@pytest.mark.task(5)
def test_a_request_can_choose_its_version(device):
    gen = torch.Generator().manual_seed(13)
    models = make_models(device)
    with serving(models) as server:
        for user in ("gus", "hal", "ivy", "jo"):
            routed = expected_route(user, SPLIT)
            chosen = "b" if routed == "a" else "a"
            features = row_features(gen, 1)
            data, what = predict(server, user, features, version=chosen)
            if data.get("version") != chosen:
                raise AssertionError(
                    f"{what}: served by {data.get('version')!r}; the request chose {chosen!r}, "
                    f"which overrides route() ({routed!r})."
                )
            check_prediction(
                data["predictions"][0], expected_probs(models[chosen], features)[0], what
            )


@pytest.mark.task(5)
def test_many_users_are_served_by_the_version_route_gives_them(device):
    gen = torch.Generator().manual_seed(14)
    models = make_models(device)
    with serving(models, split=0.5) as server:
        for i in range(30):
            user = f"visitor-{i}"
            data, what = predict(server, user, row_features(gen, 1)[0])
            if data.get("version") != expected_route(user, 0.5):
                raise AssertionError(
                    f"{what}: served by {data.get('version')!r}; route({user!r}, 0.5) is "
                    f"{expected_route(user, 0.5)!r}. Likely mistake: the server does not call "
                    f"route(user, split) for requests without a version."
                )


BAD_REQUESTS = [  # label, method, path, body, status, a word the error must contain
    ("malformed JSON", "POST", "/predict", b'{"user": "u", "features": [1, 2', 400, "JSON"),
    ("an empty body", "POST", "/predict", b"", 400, "JSON"),
    ("a JSON list", "POST", "/predict", b"[1, 2, 3, 4]", 400, "object"),
    ("no user", "POST", "/predict", body(features=GOOD_ROW), 400, "user"),
    ("'user' a number", "POST", "/predict", body(user=3, features=GOOD_ROW), 400, "user"),
    ("a row of 3", "POST", "/predict", body(user="u", features=[1, 2, 3]), 400, "3"),
    ("strings", "POST", "/predict", body(user="u", features=["a", "b", "c", "d"]), 400, "features"),
    ("NaN", "POST", "/predict", b'{"user": "u", "features": [NaN, 1, 2, 3]}', 400, "finite"),
    (
        "an unknown version",
        "POST",
        "/predict",
        body(user="u", features=GOOD_ROW, version="c"),
        404,
        "'c'",
    ),
    ("an unknown path", "GET", "/nope", None, 404, "/nope"),
    ("POST to an unknown path", "POST", "/predict/v2", body(user="u"), 404, "/predict/v2"),
    ("GET /predict", "GET", "/predict", None, 405, "POST"),
    ("POST /health", "POST", "/health", body(user="u"), 405, "GET"),
    ("DELETE /predict", "DELETE", "/predict", None, 405, "POST"),
]


@pytest.mark.task(5)
def test_bad_requests_get_a_4xx_with_a_clear_json_error_never_a_500(device):
    models = make_models(device)
    with serving(models) as server:
        for label, method, path, payload, expected, word in BAD_REQUESTS:
            status, data, ctype, what = call(server, method, path, payload)
            what = f"{what} ({label})"
            if status == 500:
                raise AssertionError(
                    f"{what}: status 500 {data!r}. A bad request must get a 4xx ({expected}), "
                    f"never a 500: a 500 says the server broke. Likely mistake: every error "
                    f"mapped to 500; preprocess's ValueError is a 400."
                )
            if status != expected:
                why = {
                    400: "a body preprocess() refuses is a 400.",
                    404: "an unknown path, or an unknown version, is a 404 (an unknown version "
                    "must not fall back to routing).",
                    405: "a known path with the wrong method is a 405.",
                }[expected]
                raise AssertionError(
                    f"{what}: status {status} {data!r}; expected {expected}: {why}"
                )
            error = data.get("error") if isinstance(data, dict) else None
            if not isinstance(error, str) or word not in error:
                raise AssertionError(
                    f"{what}: body {data!r}; expected {{'error': message}} whose message says "
                    f"what was wrong (it should contain {word!r})."
                )
            if not (ctype or "").startswith("application/json"):
                raise AssertionError(f"{what}: Content-Type {ctype!r}; expected application/json.")


@pytest.mark.task(5)
def test_an_unknown_version_names_the_known_ones(device):
    with serving(make_models(device)) as server:
        status, data, _, what = call(
            server, "POST", "/predict", body(user="u", features=GOOD_ROW, version="v3")
        )
        error = data.get("error", "") if isinstance(data, dict) else ""
        if status != 404 or "'a'" not in error or "'b'" not in error:
            why = {
                200: "an unknown version silently served by route() instead.",
                500: "the unknown version looked up without a check (a KeyError become a 500).",
                404: "a 404 whose message does not list the versions there are.",
            }.get(status, "an unknown version is a 404.")
            raise AssertionError(
                f"{what}: status {status} {data!r}; expected 404 with an error that names the "
                f"known versions 'a' and 'b'. Likely mistake: {why}"
            )


@pytest.mark.task(5)
def test_concurrent_requests_are_batched_and_each_gets_its_own_answer(device):
    gen = torch.Generator().manual_seed(15)
    inner = Classifier(3).to(device)
    models = {"a": Gated(inner, "concurrent", block_first=True).train(), "b": Classifier(4)}
    models["b"].to(device)
    gate = GATES["concurrent"]
    with serving(models) as server:
        first = Caller(predict, server, "k0", row_features(gen, 1), "a")
        first.start()
        wait_until(
            gate["entered"].is_set,
            "the model was never called for a lone first request. Likely mistake: the batch "
            "waits to be full; the window must close max_wait_s after the first request.",
        )
        callers = [
            Caller(predict, server, f"k{i}", row_features(gen, 1), "a") for i in (1, 2, 3, 4)
        ]
        for caller in callers:
            caller.start()
        wait_until(
            lambda: server.queue_depth("a") == 4,
            f"server.queue_depth('a') never reached 4 with 4 requests waiting (it says "
            f"{server.queue_depth('a')}). Likely mistake: requests not batched together (one "
            f"DynamicBatcher per version, made in start() and shared by every request), or "
            f"queue_depth() not asking that batcher.",
        )
        gate["release"].set()
        for i, caller in enumerate([first, *callers]):
            data, what = caller.outcome(f"concurrent request {i}")
            check_prediction(
                data["predictions"][0],
                expected_probs(inner, caller.args[2])[0],
                f"{what} (one of 5 concurrent requests)",
            )
    if gate["sizes"] != [1, 4]:
        raise AssertionError(
            f"5 concurrent requests, 4 of them waiting while the model ran the first: the model "
            f"saw batches of {gate['sizes']}; expected [1, 4]. Likely mistake: requests not "
            f"batched together (one DynamicBatcher per version, shared by every request)."
        )


@pytest.mark.task(5)
def test_the_models_run_under_inference_mode(device):
    inner = Classifier(5).to(device)
    models = {"a": Gated(inner, "inference", block_first=False), "b": Classifier(6).to(device)}
    with serving(models) as server:
        predict(server, "lee", [GOOD_ROW, GOOD_ROW], "a")
    if not GATES["inference"]["inference"] or not all(GATES["inference"]["inference"]):
        raise AssertionError(
            "POST /predict: the model ran with torch.is_inference_mode_enabled() False. Likely "
            "mistake: no torch.inference_mode() around the model call; it must be entered in "
            "the thread that runs the model (the batcher's worker)."
        )


@pytest.mark.task(5)
def test_the_callers_models_are_not_changed(device):
    gen = torch.Generator().manual_seed(16)
    models = make_models(device)
    before = {v: {k: t.clone() for k, t in m.state_dict().items()} for v, m in models.items()}
    with serving(models) as server:
        for user in ("mo", "ned", "oz"):
            predict(server, user, row_features(gen, 3))
    for version, model in models.items():
        modes = {name: m.training for name, m in model.named_modules()}
        if not all(modes.values()):
            raise AssertionError(
                f"after serving, the caller's model {version!r} is in eval mode ({modes}). "
                f"Likely mistake: the server changed the caller's model with .eval(); serve "
                f"copy.deepcopy(model).eval()."
            )
        for key, value in model.state_dict().items():
            if not torch.equal(value, before[version][key]):
                raise AssertionError(
                    f"after serving, the caller's model {version!r} changed its {key}."
                )


@pytest.mark.task(5)
def test_a_failing_model_gets_a_500_and_the_server_goes_on(device):
    class Fragile(Classifier):
        def forward(self, x):
            if bool((x[:, 0] > 100).any()):
                raise RuntimeError("feature 0 out of range")
            return super().forward(x)

    models = {"a": Fragile(7).to(device), "b": Fragile(8).to(device)}
    with serving(models) as server:
        status, data, _, what = call(
            server, "POST", "/predict", body(user="pat", features=[1000, 0, 0, 0], version="a")
        )
        if status != 500 or not isinstance(data, dict) or not isinstance(data.get("error"), str):
            raise AssertionError(
                f"{what}, whose model raises RuntimeError: status {status} {data!r}; expected "
                f"500 with a JSON error (the server itself failed)."
            )
        data, what = predict(server, "pat", GOOD_ROW, "a")
        check_prediction(data["predictions"][0], expected_probs(models["a"], [GOOD_ROW])[0], what)


@pytest.mark.task(5)
def test_stop_frees_the_port_and_can_be_called_twice(device):
    with serving(make_models(device)) as server:
        port = urllib.parse.urlsplit(server.url).port
        call(server, "GET", "/health")
    server.stop()  # a second time
    with socket.socket() as probe:
        probe.settimeout(CLIENT_TIMEOUT_S)
        try:
            probe.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            return
    raise AssertionError(
        f"after stop(), port {port} still accepts connections. Likely mistake: no "
        f"server_close(), so the listening socket stays open."
    )
