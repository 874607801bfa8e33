"""Mistake: gen = torch.Generator(); gen.seed(), a fresh random seed on every call.

The draws then differ from call to call, so a borderline formula is judged stable on one
run and unstable on the next: the verdict is not repeatable.
"""

import torch

CAUGHT_BY = "the draws differ between two calls"
REJECTED_BY = "test_draws_are_repeatable"


def forward_is_stable(fn, make_input):
    gen = torch.Generator()
    gen.seed()
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3, 1e-6):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.to(torch.float64))
            if not (bool(torch.isfinite(out).all()) and bool(torch.isfinite(ref).all())):
                return False
            if bool((out.double() - ref).abs().max() > 1e-4 * ref.abs().max()):
                return False
    return True
