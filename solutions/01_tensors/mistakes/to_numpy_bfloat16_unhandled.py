"""Mistake: to_numpy() forgets bfloat16: t.detach().cpu().numpy() for every dtype.

NumPy has no bfloat16, so .numpy() raises TypeError ("Got unsupported ScalarType BFloat16").
"""

CAUGHT_BY = "NumPy has no bfloat16"
REJECTED_BY = "test_to_numpy_of_bfloat16_is_an_exact_float32_array"


def to_numpy(t):
    return t.detach().cpu().numpy()
