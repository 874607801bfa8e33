"""Mistake: cast_like() converts x itself, x.data = x.to(ref), and returns x.

Tensors do not move in place the way modules do: this changes the caller's tensor (its
dtype and values), which the docstring promises to leave alone.
"""

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_cast_like_matches_dtype_and_values"


def cast_like(x, ref):
    x.data = x.to(device=ref.device, dtype=ref.dtype)
    return x
