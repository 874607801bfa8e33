"""Mistake: diagnose checks low > high but lets negative bounds through.

A negative low flags nothing and a negative threshold is a caller's bug: the docstring
says to raise ValueError for it too.
"""

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_diagnose_rejects_bad_bounds"


def diagnose(norms, low, high):
    if low > high:
        raise ValueError(f"low={low} must be <= high={high}")
    return {
        "vanishing": [n for n, v in norms.items() if v < low],
        "exploding": [n for n, v in norms.items() if v > high],
    }
