"""Mistake: broadcasting the bias with bias.unsqueeze_(1), an in-place view op.

The result is right, but the caller's bias is now (C_out, 1): a second call with it (or
the Conv2d's own bias Parameter) no longer has the shape it had.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's bias"
REJECTED_BY = "test_inputs_are_not_modified"
solution = solution_for(__file__)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    out = solution.conv2d(x, weight, None, stride, padding, dilation)
    if bias is None:
        return out
    n, c_out, h_out, w_out = out.shape
    return (out.reshape(n, c_out, -1) + bias.unsqueeze_(1)).view(n, c_out, h_out, w_out)
