"""Mistake: one backward pass on the batch loss, its gradient repeated for every sample.

The shapes are right, (B, *param.shape), but every "per-sample" gradient is the batch
mean: clipping them then bounds nothing about any single sample.
"""

import torch

CAUGHT_BY = "the batch's gradient repeated for every sample"
REJECTED_BY = "test_per_sample_grads_equal_a_loop"


def per_sample_grads(model, loss_fn, inputs, targets):
    if inputs.shape[0] != targets.shape[0] or inputs.shape[0] == 0:
        raise ValueError("inputs and targets must hold the same number of samples")
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    grads = torch.autograd.grad(loss_fn(model(inputs), targets), list(params.values()))
    B = inputs.shape[0]
    return {
        n: g.unsqueeze(0).expand(B, *g.shape).clone() for n, g in zip(params, grads, strict=True)
    }
