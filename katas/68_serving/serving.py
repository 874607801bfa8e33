"""Kata 68: a model server with dynamic batching and A/B routing. See README.md in this folder."""

from collections.abc import Callable, Sequence
from typing import Any

from torch import Tensor, nn


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
    # TODO: json.loads the decoded body, then check every key, type and row; raise
    # ValueError with your own message (json's and torch's errors do not say which key)
    raise NotImplementedError("TODO: preprocess(body, n_features)")


def postprocess(logits: Tensor, labels: Sequence[str]) -> list[dict[str, Any]]:
    """Turn a batch of logits into JSON-ready answers, one per row.

    logits: (K, C) floating, on any device; labels: C class names. Returns a list of K
    dicts {"label": the name of the row's largest logit, "probs": the softmax of the row
    as C Python floats}. Large logits (1000 and more) must not overflow. K = 0 gives [].
    Raises ValueError when C != len(labels). logits is not changed.
    """
    # TODO: torch.softmax over each row (it subtracts the maximum, so 1000 is fine),
    # argmax for the label, .tolist() for Python floats
    raise NotImplementedError("TODO: postprocess(logits, labels)")


def route(user: str, split: float) -> str:
    """The model version for a user: "b" for a fraction `split` of users, "a" for the rest.

    Deterministic in the user alone, the same in every process and on every machine:
    bucket = int.from_bytes(hashlib.sha256(user.encode("utf-8")).digest()[:8], "big") / 2**64,
    a number in [0, 1); returns "b" when bucket < split, else "a". So split 0 sends everyone
    to "a" and split 1 everyone to "b". Raises ValueError unless 0 <= split <= 1.
    """
    # TODO: hashlib.sha256 of the UTF-8 user, first 8 bytes as a big-endian integer,
    # divided by 2**64; never Python's hash()
    raise NotImplementedError("TODO: route(user, split)")


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
        # TODO: validate, then a deque of waiting requests, a threading.Condition and one
        # worker thread that takes batches, runs them and hands out the answers
        raise NotImplementedError("TODO: DynamicBatcher.__init__")

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
        # TODO: append to the queue under the condition, notify the worker, wait on an Event
        # that the worker sets when this request's rows (or its error) are ready
        raise NotImplementedError("TODO: DynamicBatcher.submit")

    def queue_depth(self) -> int:
        """How many submitted requests wait to be taken into a batch (not the running one)."""
        # TODO: the queue's length, read under the lock
        raise NotImplementedError("TODO: DynamicBatcher.queue_depth")

    def close(self) -> None:
        """Stop the worker and join its thread; safe to call twice.

        The batch being run finishes and its callers get their answers; requests still
        waiting get RuntimeError.
        """
        # TODO: mark closed, fail the waiting requests with RuntimeError, wake the worker,
        # join it
        raise NotImplementedError("TODO: DynamicBatcher.close")


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
        # TODO: check the keys, keep deep copies of the models in eval mode
        raise NotImplementedError("TODO: ModelServer.__init__")

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
        # TODO: a DynamicBatcher per version whose run_batch calls the model under
        # torch.inference_mode(); a ThreadingHTTPServer on ('127.0.0.1', 0) with a
        # BaseHTTPRequestHandler subclass (do_GET, do_POST, ...); serve_forever in a thread
        raise NotImplementedError("TODO: ModelServer.start")

    @property
    def url(self) -> str:
        """'http://127.0.0.1:<port>', the port the OS picked; only after start()."""
        # TODO: the port is in the HTTP server's server_address
        raise NotImplementedError("TODO: ModelServer.url")

    def queue_depth(self, version: str) -> int:
        """How many requests wait in the batcher of `version` (see DynamicBatcher)."""
        # TODO: ask the version's batcher
        raise NotImplementedError("TODO: ModelServer.queue_depth")

    def stop(self) -> None:
        """Stop serving, close the socket and the batchers, and join every thread the
        server started (the serving thread, the request threads, the batchers' workers).
        Safe to call twice, and after a failed start()."""
        # TODO: shutdown(), server_close(), join the serving thread, close the batchers
        raise NotImplementedError("TODO: ModelServer.stop")
