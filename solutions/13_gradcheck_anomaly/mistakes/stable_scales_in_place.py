"""Mistake: scaling the draw in place, x *= 1e3, to save a copy.

make_input may hand out the caller's own tensor (a fixed batch of test inputs): after the
call it holds values a thousand times too large.
"""

import torch

CAUGHT_BY = "changed the caller's tensor"
REJECTED_BY = "test_forward_is_stable_leaves_the_callers_input_alone"


def forward_is_stable(fn, make_input):
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = make_input(gen)
        trials = [x.to(torch.float32)]
        x *= 1e3
        trials.append(x.to(torch.float32))
        x *= 1e-9
        trials.append(x.to(torch.float32))
        for x32 in trials:
            out, ref = fn(x32), fn(x32.to(torch.float64))
            if not (bool(torch.isfinite(out).all()) and bool(torch.isfinite(ref).all())):
                return False
            if bool((out.double() - ref).abs().max() > 1e-4 * ref.abs().max()):
                return False
    return True
