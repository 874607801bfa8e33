"""Mistake: max pooling with windows.amax(dim=2).

The values are right, but amax's gradient is split evenly among tied maxima, while
F.max_pool2d sends each window's whole gradient to one element (the first maximum).
ReLU outputs are full of tied zeros, so the gradients of a real CNN differ.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "splits the gradient"
REJECTED_BY = "test_max_pool_gradient_goes_to_one_element_on_ties"
solution = solution_for(__file__)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    pad, dil = solution._pair(padding), solution._pair(dilation)
    return solution._windows(x, kernel, stride, pad, dil, float("-inf")).amax(dim=2)
