"""Mistake: set_determinism_flags calls use_deterministic_algorithms(mode) without warn_only.

The warn_only value of the mapping is silently dropped (reset to False).
"""

import torch

CAUGHT_BY = "warn_only not passed to torch.use_deterministic_algorithms"
REJECTED_BY = "test_set_determinism_flags_sets_all_four_and_nothing_else"


def set_determinism_flags(flags):
    if set(flags) != {
        "deterministic_algorithms",
        "warn_only",
        "cudnn_deterministic",
        "cudnn_benchmark",
    }:
        raise ValueError("wrong keys")
    torch.use_deterministic_algorithms(flags["deterministic_algorithms"])
    torch.backends.cudnn.deterministic = flags["cudnn_deterministic"]
    torch.backends.cudnn.benchmark = flags["cudnn_benchmark"]
