"""Mistake: rejecting padding of exactly half the kernel (2 * p >= k instead of p > k // 2).

torch allows p <= k // 2: MaxPool2d(2, padding=1) and MaxPool2d(3, padding=1) are legal,
and common ("same"-size pooling with stride 1).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "p <= k // 2 in each dimension"
REJECTED_BY = "test_max_pool_equals_torch"
solution = solution_for(__file__)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    kernel, pad = solution._pair(kernel_size), solution._pair(padding)
    if any(2 * p >= k and p > 0 for k, p in zip(kernel, pad, strict=True)):
        raise ValueError(f"padding {padding} must be less than half the kernel {kernel_size}")
    return solution.max_pool2d(x, kernel_size, stride, padding, dilation)
