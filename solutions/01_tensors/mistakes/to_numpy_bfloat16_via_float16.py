"""Mistake: to_numpy() converts bfloat16 to float16 ("both are 16-bit").

float16 has 5 exponent bits to bfloat16's 8: 3e38 becomes inf and 1e-38 becomes 0. float32
holds every bfloat16 value exactly.
"""

import torch

CAUGHT_BY = "float16 cannot hold bfloat16's range"
REJECTED_BY = "test_to_numpy_of_bfloat16_is_an_exact_float32_array"


def to_numpy(t):
    t = t.detach()
    if t.dtype == torch.bfloat16:
        t = t.half()
    return t.cpu().numpy()
