"""Mistake: torch.isnan(out).any() as the non-finite check, instead of torch.isfinite.

isnan misses inf: log(sigmoid(-1000)) is -inf in float32 and in float64, the error inf - inf
is nan, and nan > tol is False, so the trial passes.
"""

import torch

CAUGHT_BY = "torch.isnan alone misses inf"
REJECTED_BY = "test_non_finite_outputs_are_flagged"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3, 1e-6):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.to(torch.float64))
            if bool(torch.isnan(out).any()) or bool(torch.isnan(ref).any()):
                return False
            if bool((out.double() - ref).abs().max() > 1e-4 * ref.abs().max()):
                return False
    return True
