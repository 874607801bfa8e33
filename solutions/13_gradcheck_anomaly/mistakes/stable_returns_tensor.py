"""Mistake: returning the verdict as a tensor, torch.isfinite(out).all() & (error <= tol).

A 0-d bool tensor is truthy in an if, but it is not the Python bool the docstring promises:
`result is True` fails, JSON cannot encode it, and on a GPU each use syncs the device.
"""

import torch

CAUGHT_BY = "expected a Python bool"
REJECTED_BY = "test_naive_formulas_are_flagged"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    verdict = torch.tensor(True)
    for _ in range(3):
        x = make_input(gen)
        for scale in (1.0, 1e3, 1e-6):
            x32 = (x * scale).to(torch.float32)
            out, ref = fn(x32), fn(x32.to(torch.float64))
            finite = torch.isfinite(out).all() & torch.isfinite(ref).all()
            error = torch.nan_to_num((out.double() - ref).abs().max(), nan=float("inf"))
            close = error <= 1e-4 * ref.abs().max()
            verdict = verdict & (finite & close).cpu()
    return verdict
