"""Mistake: a request naming an unknown version is quietly served by route() instead.

The client asked for "v3" and got an answer from another model, with a 200.
"""

from http import HTTPStatus

from torchkatas.harness import solution_for

CAUGHT_BY = "must not fall back to routing"
REJECTED_BY = "test_bad_requests_get_a_4xx_with_a_clear_json_error_never_a_500"

solution = solution_for(__file__)


class ModelServer(solution.ModelServer):
    def _predict(self, body):
        try:
            request = solution.preprocess(body, self.n_features)
        except ValueError as err:
            return HTTPStatus.BAD_REQUEST, {"error": str(err)}
        version = request["version"]
        if version not in self._batchers:
            version = solution.route(request["user"], self.split)
        logits = self._batchers[version].submit(request["features"])
        return HTTPStatus.OK, {
            "version": version,
            "predictions": solution.postprocess(logits, self.labels),
        }
