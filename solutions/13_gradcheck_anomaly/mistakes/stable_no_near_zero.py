"""Mistake: trying moderate and large inputs, never values near 0.

log(1 + x) is fine at x = 1 and at x = 1000; it loses every digit of x only near 0, where
1 + x rounds to 1 in float32.
"""

import torch

CAUGHT_BY = "the inputs near 0 (x * 1e-6) were never tried"
REJECTED_BY = "test_naive_formulas_are_flagged"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.to(torch.float64))
            if not (bool(torch.isfinite(out).all()) and bool(torch.isfinite(ref).all())):
                return False
            if bool((out.double() - ref).abs().max() > 1e-4 * ref.abs().max()):
                return False
    return True
