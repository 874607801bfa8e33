"""Mistake: diagnose rejects low == 0 and low == high (if low <= 0 or low >= high: raise).

Both are legal: low == 0 means nothing can vanish, and low == high flags everything but
that one value. Only a negative bound or low > high is an error.
"""

CAUGHT_BY = "these bounds are legal"
REJECTED_BY = "test_diagnose_accepts_zero_and_equal_bounds"


def diagnose(norms, low, high):
    if low <= 0 or low >= high:
        raise ValueError(f"need 0 < low < high, got low={low}, high={high}")
    return {
        "vanishing": [n for n, v in norms.items() if v < low],
        "exploding": [n for n, v in norms.items() if v > high],
    }
