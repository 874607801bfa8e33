"""Mistake: an elementwise relative test, allclose(out, ref, rtol=1e-4, atol=0).

Entries that underflow in float32 (a softmax's exp(-100) is a subnormal with a few bits
left, or 0) are far off relative to themselves, though tiny next to the output: the
max-shifted softmax, which is fine, is rejected.
"""

import torch

CAUGHT_BY = "an elementwise relative test"
REJECTED_BY = "test_stable_formulas_pass"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3, 1e-6):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.to(torch.float64))
            if not (bool(torch.isfinite(out).all()) and bool(torch.isfinite(ref).all())):
                return False
            if not torch.allclose(out.double(), ref, rtol=1e-4, atol=0.0):
                return False
    return True
