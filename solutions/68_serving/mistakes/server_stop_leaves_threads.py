"""Mistake: stop() shuts the HTTP server down but does not close the batchers.

Each batcher's worker thread is left waiting for requests that will never come: a leak
per start/stop, and a process that may not exit.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "threads still running"
REJECTED_BY = "test_concurrent_requests_are_batched_and_each_gets_its_own_answer"

solution = solution_for(__file__)


class ModelServer(solution.ModelServer):
    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
