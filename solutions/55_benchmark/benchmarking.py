"""Kata 55: measure, then vectorise, with torch.utils.benchmark. See README.md in this folder."""

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.utils.benchmark import Measurement, Timer


def _masked_row_means_loop(x: Tensor, lengths: Tensor) -> Tensor:
    """The planted loop: the mean of the first lengths[i] values of each row (0 when empty)."""
    out = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    for i in range(x.shape[0]):
        n = int(lengths[i])
        if n > 0:
            out[i] = x[i, :n].sum() / n
    return out


def masked_row_means(x: Tensor, lengths: Tensor) -> Tensor:
    """The mean of the first lengths[i] values of each row of x, without a Python loop.

    x: (N, T) floating point, any strides; lengths: (N,) int64 or int32, on x's device,
    each in [0, T]. Returns (N,) of x's dtype and device: out[i] = x[i, :lengths[i]].mean(),
    and 0 for a row of length 0. Values past a row's length are padding and never affect
    the result, whatever they are (inf and NaN included). N = 0 (an empty batch), N = 1 and
    T = 0 are legal. Equal to _masked_row_means_loop(x, lengths) up to rounding; the
    number of torch calls must not grow with N or T. x and lengths are not modified.
    Raises ValueError when x is not 2-D, lengths is not of shape (N,), or a length is
    outside [0, T].
    """
    if x.dim() != 2:
        raise ValueError(f"x must be (N, T), got shape {tuple(x.shape)}")
    n_rows, n_cols = x.shape
    if lengths.shape != (n_rows,):
        raise ValueError(f"lengths must be ({n_rows},), got shape {tuple(lengths.shape)}")
    # .any() is fine on an empty batch, where lengths.max() would raise
    if bool(((lengths < 0) | (lengths > n_cols)).any()):
        raise ValueError(f"every length must be in [0, {n_cols}]")
    positions = torch.arange(n_cols, device=x.device)  # (T,)
    valid = positions < lengths[:, None]  # (N, T)
    # where, not x * valid: 0 * inf is NaN, and padding may hold anything
    sums = torch.where(valid, x, torch.zeros((), dtype=x.dtype, device=x.device)).sum(dim=1)
    return sums / lengths.clamp(min=1).to(x.dtype)  # (N,); an empty row gives 0 / 1


def time_functions(
    fns: dict[str, Callable[..., Any]],
    make_args: Callable[[], tuple[Any, ...]],
    *,
    label: str,
    num_threads: int = 1,
    min_run_time: float = 0.2,
) -> dict[str, Measurement]:
    """Time each function on the same inputs with torch.utils.benchmark.Timer.

    fns: name -> function; make_args() builds the inputs, a tuple: call it exactly once,
    before timing, and time every function on that same tuple; never inside the timed
    statement, so that only fn(*args) is timed. Each function gets its own Timer with
    label=label, sub_label=its name and num_threads=num_threads, measured with
    blocked_autorange(min_run_time=min_run_time): repeated blocks of runs, at least
    min_run_time seconds in all. The Timer synchronises CUDA itself; do not pass a timer
    of your own. Returns name -> Measurement, in the order of fns. torch's own thread
    setting (torch.get_num_threads()) is the same afterwards.
    """
    args = make_args()
    measurements = {}
    for name, fn in fns.items():
        timer = Timer(
            stmt="fn(*args)",  # only the call: the inputs were built above
            globals={"fn": fn, "args": args},
            label=label,
            sub_label=name,
            num_threads=num_threads,  # Timer sets and restores torch's threads itself
        )
        measurements[name] = timer.blocked_autorange(min_run_time=min_run_time)
    return measurements


def speedup(baseline: Measurement, candidate: Measurement) -> float:
    """How many times faster candidate ran than baseline: the ratio of their medians.

    Returns baseline.median / candidate.median (above 1 when candidate is faster), a
    Python float. The median, not the mean: one stalled block on a busy machine moves the
    mean, hardly the median. Raises ValueError when the two were measured with different
    numbers of threads (task_spec.num_threads): such a ratio compares the machines'
    settings, not the code.
    """
    if baseline.task_spec.num_threads != candidate.task_spec.num_threads:
        raise ValueError(
            f"measured with {baseline.task_spec.num_threads} and "
            f"{candidate.task_spec.num_threads} threads: not comparable"
        )
    return float(baseline.median / candidate.median)
