"""Mistake: no check of the mapping's keys.

A missing key fails with KeyError after the first flags were already changed; an extra or
misspelt key is silently ignored.
"""

import torch

CAUGHT_BY = "no check of the keys"
REJECTED_BY = "test_set_determinism_flags_rejects_other_keys"


def set_determinism_flags(flags):
    torch.use_deterministic_algorithms(
        flags.get("deterministic_algorithms", False), warn_only=flags.get("warn_only", False)
    )
    torch.backends.cudnn.deterministic = flags.get("cudnn_deterministic", False)
    torch.backends.cudnn.benchmark = flags.get("cudnn_benchmark", False)
