"""Mistake: an absolute tolerance, (out - ref).abs().max() > 1e-4, not scaled by |ref|.

float32 keeps about 7 digits whatever the magnitude: an output near 2000 is off by 1e-4
from rounding alone, so a formula that is fine is called unstable at large magnitudes.
"""

import torch

CAUGHT_BY = "absolute tolerance"
REJECTED_BY = "test_naive_formulas_are_flagged"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3, 1e-6):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.to(torch.float64))
            if not (bool(torch.isfinite(out).all()) and bool(torch.isfinite(ref).all())):
                return False
            if bool((out.double() - ref).abs().max() > 1e-4):
                return False
    return True
