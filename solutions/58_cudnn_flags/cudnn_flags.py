"""Kata 58: cuDNN's flags and deterministic algorithms, set and restored exactly.

See README.md in this folder.
"""

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch

FLAG_NAMES = ("deterministic_algorithms", "warn_only", "cudnn_deterministic", "cudnn_benchmark")


def determinism_flags() -> dict[str, bool]:
    """The four settings that decide whether GPU runs repeat exactly, as they are now.

    Returns {"deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
    "warn_only": torch.is_deterministic_algorithms_warn_only_enabled(),
    "cudnn_deterministic": torch.backends.cudnn.deterministic,
    "cudnn_benchmark": torch.backends.cudnn.benchmark}, every value a bool. Works the same
    on a machine without CUDA (the flags are plain settings there).
    """
    return {
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "warn_only": torch.is_deterministic_algorithms_warn_only_enabled(),
        "cudnn_deterministic": bool(torch.backends.cudnn.deterministic),
        "cudnn_benchmark": bool(torch.backends.cudnn.benchmark),
    }


def set_determinism_flags(flags: Mapping[str, bool]) -> None:
    """Set the four settings from a mapping shaped like determinism_flags()'s result.

    torch.use_deterministic_algorithms(flags["deterministic_algorithms"],
    warn_only=flags["warn_only"]), then cudnn.deterministic and cudnn.benchmark. Changes
    nothing else (not torch.backends.cudnn.enabled, not allow_tf32). flags is not modified.
    Raises ValueError, before changing anything, when its keys are not exactly FLAG_NAMES.
    """
    if set(flags) != set(FLAG_NAMES):
        raise ValueError(f"flags must have exactly the keys {FLAG_NAMES}, got {sorted(flags)}")
    # warn_only is its own setting: use_deterministic_algorithms(mode) alone resets it
    torch.use_deterministic_algorithms(
        bool(flags["deterministic_algorithms"]), warn_only=bool(flags["warn_only"])
    )
    torch.backends.cudnn.deterministic = bool(flags["cudnn_deterministic"])
    torch.backends.cudnn.benchmark = bool(flags["cudnn_benchmark"])


@contextlib.contextmanager
def deterministic(*, warn_only: bool = False) -> Iterator[None]:
    """Run the block with deterministic algorithms; afterwards, every flag as it was.

    Inside: torch.use_deterministic_algorithms(True, warn_only=warn_only),
    cudnn.deterministic = True and cudnn.benchmark = False (benchmark mode times several
    algorithms and keeps the fastest, which may differ from run to run). On leaving the
    block, normally or through an exception (which propagates), the four flags of
    determinism_flags() are restored to the values they had on entering, not to torch's
    defaults; so blocks nest. Nothing else changes: not torch.backends.cudnn.enabled
    (torch.backends.cudnn.flags(deterministic=True) would turn cuDNN off), and not the
    environment (torch 2.14 needs no CUBLAS_WORKSPACE_CONFIG).
    """
    before = determinism_flags()
    set_determinism_flags(
        {
            "deterministic_algorithms": True,
            "warn_only": warn_only,
            "cudnn_deterministic": True,
            "cudnn_benchmark": False,
        }
    )
    try:
        yield
    finally:
        set_determinism_flags(before)


def reproducible_run(fn: Callable[..., Any], *args: Any, seed: int) -> Any:
    """fn(*args), seeded and deterministic, leaving the caller's random state alone.

    Inside torch.random.fork_rng (over the CPU generator and every CUDA device's, when
    CUDA is available), seeds with torch.manual_seed(seed) and runs fn(*args) under
    deterministic(). Returns fn's result. Two calls with the same seed on the same machine
    give bit-identical results, also on a GPU; afterwards the caller's RNG states and the
    four flags are what they were before.
    """
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)  # seeds the CUDA generators too
        with deterministic():
            return fn(*args)
