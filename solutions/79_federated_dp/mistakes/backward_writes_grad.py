"""Mistake: per-sample gradients by loss.backward() per sample, reading and clearing .grad.

It leaves None gradients as zeros and wipes any gradient the caller had: the model is
not left as it was.
"""

import torch

CAUGHT_BY = "loss.backward(), which accumulates into .grad"
REJECTED_BY = "test_per_sample_grads_leave_the_model_alone"


def per_sample_grads(model, loss_fn, inputs, targets):
    if inputs.shape[0] != targets.shape[0] or inputs.shape[0] == 0:
        raise ValueError("inputs and targets must hold the same number of samples")
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    rows = {n: [] for n in params}
    for i in range(inputs.shape[0]):
        model.zero_grad(set_to_none=False)
        loss_fn(model(inputs[i : i + 1]), targets[i : i + 1]).backward()
        for n, p in params.items():
            rows[n].append(p.grad.clone())
    return {n: torch.stack(r) for n, r in rows.items()}
