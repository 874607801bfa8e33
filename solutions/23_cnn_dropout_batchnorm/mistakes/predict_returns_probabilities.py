"""Mistake: predict() returns model(x).softmax(-1), probabilities instead of logits.

The docstring asks for the logits model(x); a softmax changes every value (and a caller
that applies cross-entropy or its own softmax gets the wrong thing).
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "returned softmax(logits)"
REJECTED_BY = "test_predict_matches_eval_reference"


def predict(model, x):
    return solution.predict(model, x).softmax(-1)
