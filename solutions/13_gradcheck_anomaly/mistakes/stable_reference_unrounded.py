"""Mistake: the reference is fn on the float64 input before it was rounded to float32.

The comparison then charges fn with the rounding of its input: x32 - 1000 is exact in
float32, yet it differs from x64 - 1000 by up to 3e-5 near 1000.
"""

import torch

CAUGHT_BY = "the reference ran on the float64 input before it was rounded"
REJECTED_BY = "test_rounding_the_input_is_not_blamed_on_fn"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3, 1e-6):
            x64 = x * scale
            out, ref = fn(x64.to(torch.float32)), fn(x64)
            if not (bool(torch.isfinite(out).all()) and bool(torch.isfinite(ref).all())):
                return False
            if bool((out.double() - ref).abs().max() > 1e-4 * ref.abs().max()):
                return False
    return True
