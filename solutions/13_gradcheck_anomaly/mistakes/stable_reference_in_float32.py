"""Mistake: the "reference" is fn on the same float32 input, not on a float64 copy.

The output is compared with itself: only non-finite values can fail, and float32
rounding or cancellation (log(1 + x) near 0) is never seen.
"""

import torch

CAUGHT_BY = "different precisions"
REJECTED_BY = "test_naive_formulas_are_flagged"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3, 1e-6):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.clone())
            if not (bool(torch.isfinite(out).all()) and bool(torch.isfinite(ref).all())):
                return False
            if bool((out - ref).abs().max() > 1e-4 * ref.abs().max()):
                return False
    return True
