"""Mistake: matmul() returns a @ b: right values, but not the einsum the kata is about."""

CAUGHT_BY = "einsum only"


def matmul(a, b):
    return a @ b
