"""Mistake: to_numpy() calls t.cpu().numpy() without detaching.

.numpy() refuses a tensor that requires grad (RuntimeError): NumPy cannot record
operations for autograd. t.detach() is a view of the same memory without the graph.
"""

import torch

CAUGHT_BY = "detach() first"
REJECTED_BY = "test_to_numpy_detaches_a_tensor_that_requires_grad"


def to_numpy(t):
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.cpu().numpy()
