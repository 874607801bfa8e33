"""Mistake: matmul() returns a @ b: right values, but not the einsum the kata is about."""

CAUGHT_BY = "einsum only"
REJECTED_BY = "test_matmul_equals_explicit_matmul"


def matmul(a, b):
    return a @ b
