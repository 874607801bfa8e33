"""Mistake: torch.isfinite on out only, never on the float64 reference.

When ref is inf and out is finite, the error is inf and so is the tolerance
(1e-4 * ref.abs().max()): inf > inf is False, and the trial passes.
"""

import torch

CAUGHT_BY = "only out was checked with torch.isfinite"
REJECTED_BY = "test_non_finite_reference_is_flagged"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3, 1e-6):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.to(torch.float64))
            if not bool(torch.isfinite(out).all()):
                return False
            if bool((out.double() - ref).abs().max() > 1e-4 * ref.abs().max()):
                return False
    return True
