"""Mistake: trying only moderate inputs and values near 0, never large magnitudes.

Naive softmax, log(sigmoid(x)) and log(sum(exp(x))) are exact enough on randn inputs; they
break only where exp overflows or sigmoid underflows, around |x| = 100 and beyond.
"""

import torch

CAUGHT_BY = "the inputs scaled by 1e3 were never tried"
REJECTED_BY = "test_naive_formulas_are_flagged"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e-6):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.to(torch.float64))
            if not (bool(torch.isfinite(out).all()) and bool(torch.isfinite(ref).all())):
                return False
            if bool((out.double() - ref).abs().max() > 1e-4 * ref.abs().max()):
                return False
    return True
