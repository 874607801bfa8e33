"""Mistake: a new DynamicBatcher is made for each request.

Every request then waits in a queue of its own: concurrent requests are never batched.
"""

from http import HTTPStatus

from torchkatas.harness import solution_for

CAUGHT_BY = "one DynamicBatcher per version"
REJECTED_BY = "test_concurrent_requests_are_batched_and_each_gets_its_own_answer"

solution = solution_for(__file__)


class ModelServer(solution.ModelServer):
    def _predict(self, body):
        try:
            request = solution.preprocess(body, self.n_features)
        except ValueError as err:
            return HTTPStatus.BAD_REQUEST, {"error": str(err)}
        version = request["version"] or solution.route(request["user"], self.split)
        if version not in self._models:
            known = ", ".join(repr(v) for v in sorted(self._models))
            return HTTPStatus.NOT_FOUND, {
                "error": f"unknown model version {version!r}; known versions: {known}"
            }
        batcher = solution.DynamicBatcher(
            self._runner(self._models[version]), self.max_batch_size, self.max_wait_s
        )
        try:
            logits = batcher.submit(request["features"])
        finally:
            batcher.close()
        return HTTPStatus.OK, {
            "version": version,
            "predictions": solution.postprocess(logits, self.labels),
        }
