"""Mistake: the embeddings normalised in place (z.div_(z.norm(...))).

The caller's embeddings (often still needed, e.g. for a second loss or logging) are
overwritten, and in-place ops on tensors autograd needs can break backward.
"""

CAUGHT_BY = "normalised in place"
REJECTED_BY = "test_cosine_similarity_matrix_equals_a_loop"


def cosine_similarity_matrix(z):
    z.div_(z.norm(dim=1, keepdim=True).clamp_min(1e-12))
    return z @ z.T
