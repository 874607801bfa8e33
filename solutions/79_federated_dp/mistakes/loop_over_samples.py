"""Mistake: per-sample gradients by a Python loop, one forward and backward per sample.

The values are right, but it is B times the work of one vmapped call: DP-SGD on real
batch sizes becomes unusably slow. The kata asks for torch.func.vmap.
"""

import torch

CAUGHT_BY = "a Python loop over the samples"
REJECTED_BY = "test_the_model_is_called_once_for_the_batch"


def per_sample_grads(model, loss_fn, inputs, targets):
    if inputs.shape[0] != targets.shape[0] or inputs.shape[0] == 0:
        raise ValueError("inputs and targets must hold the same number of samples")
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    rows = []
    for i in range(inputs.shape[0]):
        loss = loss_fn(model(inputs[i : i + 1]), targets[i : i + 1])
        rows.append(torch.autograd.grad(loss, list(params.values())))
    return {n: torch.stack([r[k] for r in rows]) for k, n in enumerate(params)}
