"""Mistake: the handler catches every exception and answers 500.

A malformed body is the client's fault: it must get a 400 that says what to fix, not a
500 that says the server broke (and pages whoever is on call).
"""

from http import HTTPStatus

from torchkatas.harness import solution_for

CAUGHT_BY = "never a 500"
REJECTED_BY = "test_bad_requests_get_a_4xx_with_a_clear_json_error_never_a_500"

solution = solution_for(__file__)


class ModelServer(solution.ModelServer):
    def _predict(self, body):
        try:
            request = solution.preprocess(body, self.n_features)
            version = request["version"] or solution.route(request["user"], self.split)
            logits = self._batchers[version].submit(request["features"])
            predictions = solution.postprocess(logits, self.labels)
        except Exception as err:
            return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error: {err}"}
        return HTTPStatus.OK, {"version": version, "predictions": predictions}
