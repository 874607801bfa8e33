"""Mistake: torch.allclose(out, ref) as the whole test, with no torch.isfinite check.

allclose counts inf as close to inf, and the float64 reference of a naive formula overflows
too: log(sigmoid(-1000)) is -inf in both, so the naive formula passes as "stable".
"""

import torch

CAUGHT_BY = "torch.isfinite"
REJECTED_BY = "test_naive_formulas_are_flagged"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3, 1e-6):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.to(torch.float64))
            if not torch.allclose(out.double(), ref, rtol=1e-4):
                return False
    return True
