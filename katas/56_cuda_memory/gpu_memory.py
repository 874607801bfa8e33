"""Kata 56: what the CUDA caching allocator keeps, and surviving an out-of-memory error.

See README.md in this folder.
"""

from collections.abc import Callable, Mapping
from typing import Any

import torch

# the keys of torch.cuda.memory_stats() a report reads, by the report's name
_KEYS = {
    "allocated": "allocated_bytes.all.current",
    "reserved": "reserved_bytes.all.current",
    "peak_allocated": "allocated_bytes.all.peak",
    "peak_reserved": "reserved_bytes.all.peak",
}


def memory_report(stats: Mapping[str, int]) -> dict[str, int]:
    """Read the numbers that matter from a mapping shaped like torch.cuda.memory_stats().

    Returns a dict of ints, in bytes except "ooms":
      "allocated"       bytes held by live tensors now  ("allocated_bytes.all.current")
      "reserved"        bytes the caching allocator holds from the driver now
                        ("reserved_bytes.all.current"), allocated ones included
      "peak_allocated"  the largest "allocated" since the last reset ("allocated_bytes.all.peak")
      "peak_reserved"   the largest "reserved" since the last reset ("reserved_bytes.all.peak")
      "cached"          reserved - allocated: kept by the allocator for reuse, used by no tensor
      "ooms"            out-of-memory errors raised so far ("num_ooms"; 0 when absent)
    An empty mapping (what torch.cuda.memory_stats() returns before CUDA is initialised)
    gives 0 everywhere. A non-empty mapping that lacks one of the four byte keys raises
    ValueError naming the key. stats is not modified.
    """
    # TODO: read the four byte keys of torch.cuda.memory_stats() (and num_ooms),
    # mind the empty mapping, then cached = reserved - allocated
    raise NotImplementedError("TODO: memory_report(stats)")


def peak_memory(fn: Callable[..., Any], *args: Any, cuda: Any = torch.cuda) -> tuple[Any, int]:
    """Run fn(*args) and measure the most memory it needed at once, above what was live.

    cuda: anything with reset_peak_memory_stats() and memory_stats() as torch.cuda has
    them (the default); the tests on the CPU pass a stand-in. Resets the peak statistics
    before fn runs, then returns (fn's result, peak_allocated after fn minus allocated
    before fn), in bytes: the extra memory fn's tensors took at their high point, whatever
    ran before. Read both numbers with memory_report.
    """
    # TODO: cuda.reset_peak_memory_stats(), the allocation before, fn, then the peak after
    raise NotImplementedError("TODO: peak_memory(fn, *args, cuda=...)")


def run_with_backoff(
    step: Callable[[int], Any], batch_size: int, *, min_batch_size: int = 1
) -> tuple[Any, int]:
    """Call step(batch_size), halving the batch after each CUDA out-of-memory error.

    On torch.cuda.OutOfMemoryError (and only that: any other error, RuntimeError
    included, propagates at once) the next try uses batch_size // 2. Before retrying,
    the failed attempt's memory is released: leave the except block first (the error's
    traceback holds the failed step's tensors), then gc.collect() (reference cycles),
    then torch.cuda.empty_cache() (the cached blocks go back to the driver). When the
    halved size would be below min_batch_size, the last OutOfMemoryError is re-raised.
    Returns (step's result, the batch size that worked). On a machine without CUDA
    nothing changes: empty_cache() does nothing before CUDA is initialised.
    Raises ValueError when min_batch_size < 1 or batch_size < min_batch_size.
    """
    # TODO: a loop around step(batch_size) that catches torch.cuda.OutOfMemoryError only;
    # free memory (gc.collect, torch.cuda.empty_cache) outside the except block, then halve
    raise NotImplementedError("TODO: run_with_backoff(step, batch_size, min_batch_size=...)")
