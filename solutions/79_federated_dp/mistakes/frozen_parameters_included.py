"""Mistake: gradients for every parameter, frozen ones included.

torch.func.grad happily differentiates a frozen parameter, so the result holds entries
the optimiser must not see (and DP noise is then spent on them).
"""

from torch.func import functional_call, grad, vmap

CAUGHT_BY = "every parameter that requires grad"
REJECTED_BY = "test_frozen_parameters_are_left_out"


def per_sample_grads(model, loss_fn, inputs, targets):
    if inputs.shape[0] != targets.shape[0] or inputs.shape[0] == 0:
        raise ValueError("inputs and targets must hold the same number of samples")
    params = {n: p.detach() for n, p in model.named_parameters()}
    buffers = dict(model.named_buffers())

    def sample_loss(params, x, y):
        out = functional_call(model, {**params, **buffers}, (x.unsqueeze(0),))
        return loss_fn(out, y.unsqueeze(0))

    return vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, inputs, targets)
