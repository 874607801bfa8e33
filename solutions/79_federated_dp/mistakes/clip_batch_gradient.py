"""Mistake: DP-SGD that clips the mean gradient of the batch instead of each sample's.

Ordinary clipping, not DP-SGD: the bound says nothing about how much one sample moved
the model, so the noise buys no privacy.
"""

import torch

CAUGHT_BY = "clipping the batch gradient instead of each sample's"
REJECTED_BY = "test_without_noise_it_is_the_mean_of_clipped_gradients"


def dp_sgd_gradient(model, loss_fn, inputs, targets, max_norm, noise_multiplier, generator=None):
    if noise_multiplier < 0:
        raise ValueError("noise_multiplier must be >= 0")
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    grads = torch.autograd.grad(loss_fn(model(inputs), targets), list(params.values()))
    norm = torch.sqrt(sum(g.pow(2).sum() for g in grads))
    factor = (max_norm / norm).clamp(max=1.0)
    B = inputs.shape[0]
    result = {}
    for name, g in zip(params, grads, strict=True):
        noise = torch.randn(g.shape, generator=generator, dtype=g.dtype).to(g.device)
        result[name] = g * factor + noise_multiplier * max_norm * noise / B
    return result
