"""Kata 68: a model server with dynamic batching and A/B routing. See README.md in this folder."""

import copy
import hashlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import torch
from torch import Tensor, nn

_KEYS = {"user", "features", "version"}


def _is_number(value: Any) -> bool:
    # JSON true/false arrive as bool, which Python counts as an int
    return isinstance(value, int | float) and not isinstance(value, bool)


def preprocess(body: bytes, n_features: int) -> dict[str, Any]:
    """Parse and validate one request body for POST /predict.

    body: the raw bytes of a JSON object (UTF-8) with keys
      "user": a non-empty string (the routing key),
      "features": one row of n_features numbers, or a non-empty list of such rows,
      "version": optional, a string naming a model version (checked by the server, not here).
    Numbers are JSON ints or floats, finite (no NaN or Infinity), never true/false.
    Returns {"features": float32 tensor (K, n_features) on the CPU, "user": str,
    "version": str or None, "single": bool}: one row gives K = 1 and single True; a list of
    rows gives K = len(rows) and single False.
    Raises ValueError, with a message that names the key (and the row or position) and says
    what was wrong, for anything else: bytes that are not UTF-8 JSON, a JSON value that is
    not an object, a missing key, a key that is not one of the three, a value of the wrong
    type, a row of the wrong length, an empty list of rows, a number that is not finite.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"the body is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"the body must be a JSON object, got a JSON {type(data).__name__}")
    extra = sorted(set(data) - _KEYS)
    if extra:
        raise ValueError(f"unexpected key {extra[0]!r}; the keys are 'user', 'features', 'version'")
    for key in ("user", "features"):
        if key not in data:
            raise ValueError(f"missing key {key!r}")
    user = data["user"]
    if not isinstance(user, str) or not user:
        raise ValueError(f"'user' must be a non-empty string, got {json.dumps(user)}")
    version = data.get("version")
    if version is not None and not isinstance(version, str):
        raise ValueError(f"'version' must be a string, got {json.dumps(version)}")
    features = data["features"]
    if not isinstance(features, list) or not features:
        raise ValueError(
            f"'features' must be a list of {n_features} numbers or a non-empty list of such "
            f"rows, got {json.dumps(features)[:80]}"
        )
    single = not isinstance(features[0], list)
    rows = [features] if single else features
    for i, row in enumerate(rows):
        where = "'features'" if single else f"'features' row {i}"
        if not isinstance(row, list):
            raise ValueError(f"{where} must be a list of {n_features} numbers, got {row!r}")
        if len(row) != n_features:
            raise ValueError(f"{where} has {len(row)} numbers; the model takes {n_features}")
        for j, value in enumerate(row):
            if not _is_number(value):
                raise ValueError(f"{where}[{j}] must be a number, got {json.dumps(value)}")
            if not math.isfinite(value):
                raise ValueError(f"{where}[{j}] must be finite, got {value}")
    return {
        "features": torch.tensor(rows, dtype=torch.float32),  # (K, n_features)
        "user": user,
        "version": version,
        "single": single,
    }


def postprocess(logits: Tensor, labels: Sequence[str]) -> list[dict[str, Any]]:
    """Turn a batch of logits into JSON-ready answers, one per row.

    logits: (K, C) floating, on any device; labels: C class names. Returns a list of K
    dicts {"label": the name of the row's largest logit, "probs": the softmax of the row
    as C Python floats}. Large logits (1000 and more) must not overflow. K = 0 gives [].
    Raises ValueError when C != len(labels). logits is not changed.
    """
    if logits.dim() != 2 or logits.shape[1] != len(labels):
        raise ValueError(f"logits of shape {tuple(logits.shape)} do not match {len(labels)} labels")
    probs = torch.softmax(logits.detach().double(), dim=1).cpu()  # (K, C), shift-invariant
    best = probs.argmax(dim=1).tolist()
    return [{"label": labels[k], "probs": row} for k, row in zip(best, probs.tolist(), strict=True)]


def route(user: str, split: float) -> str:
    """The model version for a user: "b" for a fraction `split` of users, "a" for the rest.

    Deterministic in the user alone, the same in every process and on every machine:
    bucket = int.from_bytes(hashlib.sha256(user.encode("utf-8")).digest()[:8], "big") / 2**64,
    a number in [0, 1); returns "b" when bucket < split, else "a". So split 0 sends everyone
    to "a" and split 1 everyone to "b". Raises ValueError unless 0 <= split <= 1.
    """
    if not 0.0 <= split <= 1.0:  # NaN fails this too
        raise ValueError(f"split must be in [0, 1], got {split}")
    # never Python's hash(): it is salted per process (PYTHONHASHSEED)
    digest = hashlib.sha256(user.encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "big") / 2**64
    return "b" if bucket < split else "a"


class _Pending:
    """One submitted request: its rows, and where the worker puts the answer."""

    def __init__(self, features: Tensor) -> None:
        self.features = features
        self.done = threading.Event()
        self.result: Tensor | None = None
        self.error: BaseException | None = None


class DynamicBatcher:
    """Runs the requests of many threads through `run_batch` together, in batches."""

    def __init__(
        self, run_batch: Callable[[Tensor], Tensor], max_batch_size: int, max_wait_s: float
    ) -> None:
        """Start one worker thread that serves submit() calls in batches.

        run_batch: a function from a (B, ...) tensor to a (B, ...) tensor, row i of the
        output belonging to row i of the input. max_batch_size >= 1: the most rows in one
        batch. max_wait_s >= 0: how long a batch waits, after its first request, for more.
        Raises ValueError for a max_batch_size below 1 or a negative max_wait_s.
        batch_sizes: a list, the number of rows of every batch run so far, in order.
        """
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be at least 1, got {max_batch_size}")
        if not max_wait_s >= 0:
            raise ValueError(f"max_wait_s must be >= 0, got {max_wait_s}")
        self.run_batch = run_batch
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self.batch_sizes: list[int] = []
        self._queue: deque[_Pending] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._loop, name="DynamicBatcher", daemon=True)
        self._worker.start()

    def submit(self, features: Tensor) -> Tensor:
        """Run features (K, ...) with K >= 1 as part of a batch; return this request's K rows.

        Blocks until the answer is ready; safe to call from many threads at once. The worker
        takes the oldest waiting request, then adds the next ones in arrival order while the
        batch stays within max_batch_size rows, waiting up to max_wait_s after the first
        request for more to arrive; it runs the batch as soon as the next request would not
        fit, or the wait is over. A request is never split across batches (one larger than
        max_batch_size runs alone). If run_batch raises, every submit of that batch raises
        that error, and the worker goes on with the next batch.
        Raises RuntimeError after close(), and for a request still waiting when close()
        is called.
        """
        pending = _Pending(features)
        with self._cond:
            if self._closed:
                raise RuntimeError("DynamicBatcher is closed")
            self._queue.append(pending)
            self._cond.notify_all()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def queue_depth(self) -> int:
        """How many submitted requests wait to be taken into a batch (not the running one)."""
        with self._cond:
            return len(self._queue)

    def close(self) -> None:
        """Stop the worker and join its thread; safe to call twice.

        The batch being run finishes and its callers get their answers; requests still
        waiting get RuntimeError.
        """
        with self._cond:
            self._closed = True
            waiting = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        for pending in waiting:
            pending.error = RuntimeError("DynamicBatcher closed before this request ran")
            pending.done.set()
        self._worker.join()

    def _take_batch(self) -> list[_Pending] | None:
        """The next batch, under the rules of submit(); None once closed."""
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            batch = [self._queue.popleft()]
            rows = len(batch[0].features)
            deadline = time.monotonic() + self.max_wait_s
            while not self._closed:
                while self._queue and rows + len(self._queue[0].features) <= self.max_batch_size:
                    rows += len(self._queue[0].features)
                    batch.append(self._queue.popleft())
                full = rows >= self.max_batch_size or bool(self._queue)  # the next won't fit
                remaining = deadline - time.monotonic()
                if full or remaining <= 0:
                    break
                self._cond.wait(remaining)
            return batch

    def _loop(self) -> None:
        while (batch := self._take_batch()) is not None:
            sizes = [len(p.features) for p in batch]
            self.batch_sizes.append(sum(sizes))
            try:
                out = self.run_batch(torch.cat([p.features for p in batch]))
                for pending, part in zip(batch, out.split(sizes), strict=True):
                    pending.result = part
            except Exception as err:  # the callers get the error; the worker carries on
                for pending in batch:
                    pending.error = err
            for pending in batch:
                pending.done.set()


class _HTTPServer(ThreadingHTTPServer):
    # request threads are not daemons, so server_close() joins them
    daemon_threads = False


class ModelServer:
    """Two model versions behind one HTTP endpoint on 127.0.0.1, with A/B routing."""

    def __init__(
        self,
        models: dict[str, nn.Module],
        *,
        n_features: int,
        labels: Sequence[str],
        split: float,
        max_batch_size: int = 32,
        max_wait_s: float = 0.01,
    ) -> None:
        """Prepare the server; nothing listens until start().

        models: {"a": model_a, "b": model_b}, each mapping (B, n_features) float32 inputs
        to (B, len(labels)) logits, on any device (inputs are moved to the model's device).
        The server runs deep copies in eval mode under torch.inference_mode(): the caller's
        models are not changed (parameters, buffers, training mode). split: the fraction of
        users that route() sends to "b". One DynamicBatcher per version, with max_batch_size
        and max_wait_s. Raises ValueError unless models has exactly the keys "a" and "b",
        and for a split outside [0, 1].
        """
        if set(models) != {"a", "b"}:
            raise ValueError(f"models must have the keys 'a' and 'b', got {sorted(models)}")
        route("", split)  # validates split
        self.n_features = n_features
        self.labels = list(labels)
        self.split = split
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self._models = {v: copy.deepcopy(m).eval() for v, m in models.items()}
        self._batchers: dict[str, DynamicBatcher] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen on 127.0.0.1 at a port the OS picks (port 0), serving from a thread.

        The API (every response is JSON, Content-Type application/json):
          GET /health -> 200 {"status": "ok", "versions": ["a", "b"]}
          POST /predict with a body for preprocess() -> 200 {"version": v, "predictions":
            postprocess(...)}: one prediction per row, v the request's "version" if given,
            else route(user, split).
        Errors get {"error": message}, the message saying what was wrong: 400 for a body
        preprocess() refuses; 404 for an unknown path, or an unknown "version" (the message
        names the known ones); 405 for a known path with the wrong method (GET, POST, PUT,
        DELETE or PATCH). A bad request
        never gets a 500; 500 is kept for failures of the server itself (a model that
        raises), after which the server goes on serving.
        """
        self._batchers = {
            version: DynamicBatcher(self._runner(model), self.max_batch_size, self.max_wait_s)
            for version, model in self._models.items()
        }
        self._httpd = _HTTPServer(("127.0.0.1", 0), self._handler_class())
        # a short poll interval: shutdown() waits for the loop's next poll
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="ModelServer"
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """'http://127.0.0.1:<port>', the port the OS picked; only after start()."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def queue_depth(self, version: str) -> int:
        """How many requests wait in the batcher of `version` (see DynamicBatcher)."""
        return self._batchers[version].queue_depth()

    def stop(self) -> None:
        """Stop serving, close the socket and the batchers, and join every thread the
        server started (the serving thread, the request threads, the batchers' workers).
        Safe to call twice, and after a failed start()."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()  # joins the request threads
            self._httpd = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for batcher in self._batchers.values():
            batcher.close()

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _runner(model: nn.Module) -> Callable[[Tensor], Tensor]:
        device = next(model.parameters()).device

        def run(batch: Tensor) -> Tensor:
            with torch.inference_mode():  # in the worker thread, where the model runs
                return model(batch.to(device)).float().cpu()  # (B, C)

        return run

    def _predict(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            request = preprocess(body, self.n_features)
        except ValueError as err:
            return HTTPStatus.BAD_REQUEST, {"error": str(err)}
        version = request["version"] or route(request["user"], self.split)
        if version not in self._batchers:
            known = ", ".join(repr(v) for v in sorted(self._batchers))
            return HTTPStatus.NOT_FOUND, {
                "error": f"unknown model version {version!r}; known versions: {known}"
            }
        try:
            logits = self._batchers[version].submit(request["features"])
            predictions = postprocess(logits, self.labels)
        except Exception as err:  # the model (or the server) failed, not the request
            return HTTPStatus.INTERNAL_SERVER_ERROR, {
                "error": f"internal error: {type(err).__name__}"
            }
        return HTTPStatus.OK, {"version": version, "predictions": predictions}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self
        routes = {"/health": "GET", "/predict": "POST"}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # no line on stderr per request

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _dispatch(self, method: str) -> None:
                path = self.path.split("?", 1)[0]
                if path not in routes:
                    self._send(HTTPStatus.NOT_FOUND, {"error": f"unknown path {path!r}"})
                elif routes[path] != method:
                    self._send(
                        HTTPStatus.METHOD_NOT_ALLOWED,
                        {"error": f"{path} takes {routes[path]}, not {method}"},
                    )
                elif path == "/health":
                    self._send(HTTPStatus.OK, {"status": "ok", "versions": ["a", "b"]})
                else:
                    try:
                        length = int(self.headers.get("Content-Length", 0))
                    except ValueError:
                        length = -1
                    if length < 0:
                        self._send(HTTPStatus.BAD_REQUEST, {"error": "bad Content-Length"})
                        return
                    self._send(*server._predict(self.rfile.read(length)))

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

            # other methods would get http.server's HTML 501: a 405 in JSON instead
            def do_PUT(self) -> None:
                self._dispatch("PUT")

            def do_DELETE(self) -> None:
                self._dispatch("DELETE")

            def do_PATCH(self) -> None:
                self._dispatch("PATCH")

        return Handler
