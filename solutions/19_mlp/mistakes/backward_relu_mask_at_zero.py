"""Mistake: ReLU's gradient masked with z >= 0, so a pre-activation of exactly 0 passes.

torch's ReLU has slope 0 at 0; the hand-written backward must agree with autograd.
"""

CAUGHT_BY = "mask with z > 0, not z >= 0"
REJECTED_BY = "test_mlp_backward_relu_gradient_at_zero_is_zero"


def mlp_backward(x, params, target):
    inputs, pre = [], []
    a = x
    for i, (weight, bias) in enumerate(params):
        z = a @ weight.T + bias
        inputs.append(a)
        pre.append(z)
        a = z.clamp(min=0) if i < len(params) - 1 else z
    grad = 2 * (a - target) / a.numel()
    grads = []
    for i in reversed(range(len(params))):
        if i < len(params) - 1:
            grad = grad * (pre[i] >= 0).to(grad.dtype)  # wrong at exactly 0
        grads.append((grad.T @ inputs[i], grad.sum(0)))
        grad = grad @ params[i][0]
    return grads[::-1]
