"""Mistake: returning windows.max(dim=2) itself, the (values, indices) pair, not .values.

Tensor.max with a dim returns a named tuple; the docstring promises one
(N, C, H_out, W_out) tensor.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "expected a torch.Tensor"
REJECTED_BY = "test_max_pool_equals_torch"
solution = solution_for(__file__)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    windows = solution._windows(
        x, kernel, stride, solution._pair(padding), solution._pair(dilation), float("-inf")
    )
    return windows.max(dim=2)
