"""Mistake: forward computes RMSNorm in Python and never calls the kernel it was given.

Right numbers, but rms_norm then never runs the C++ op at all: the extension is built
and loaded for nothing.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "instead of calling kernel"
REJECTED_BY = "test_function_forward_returns_the_kernels_output"

solution = solution_for(__file__)


class RMSNormFunction(solution.RMSNormFunction):
    @staticmethod
    def forward(ctx, x, weight, eps, kernel):
        ctx.save_for_backward(x, weight)
        ctx.eps = eps
        return solution.rms_norm_reference(x, weight, eps)
