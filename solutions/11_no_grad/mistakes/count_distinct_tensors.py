"""Mistake: saved_tensor_count() counts distinct tensors, a set of data_ptr()s, in the pack hook.

Autograd saves a tensor once for each op whose backward needs it (a ReLU's output is saved
again as the next Linear's input); each save is a pack call, and the question counts them.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "counting distinct tensors"
REJECTED_BY = "test_saved_tensor_count_in_grad_mode_is_what_autograd_saves"


def saved_tensor_count(model, x, mode):
    if mode not in solution._MODES:
        raise ValueError(f"mode must be one of {sorted(solution._MODES)}, got {mode!r}")
    seen = set()

    def pack(t):
        seen.add(t.data_ptr())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), solution._MODES[mode]():
        model(x)
    return len(seen)
