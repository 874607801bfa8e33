"""Mistake: accuracy returned as a 0-d tensor, not a Python float.

A tensor on the GPU keeps device memory, and logging or summing it keeps tensors (and
sometimes graphs) alive; a metric for reporting should be a plain number.
"""

CAUGHT_BY = "expected a Python float"
REJECTED_BY = "test_accuracy_equals_hand_count"


def accuracy(y_true, y_pred):
    return (y_true == y_pred).double().mean()
