"""Kata 79: per-sample gradients, DP-SGD clipping and noise, and FedAvg. See README.md here."""

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.func import functional_call, grad, vmap


def per_sample_grads(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    inputs: Tensor,
    targets: Tensor,
) -> dict[str, Tensor]:
    """Each sample's own gradient, for every trainable parameter, with torch.func.

    model maps a batch (B, ...) to outputs (B, ...) and is used in its current mode (keep
    batch norm in eval mode: under vmap every sample is a batch of one). loss_fn(outputs,
    targets) returns a scalar. inputs: (B, ...), targets: (B, ...), B >= 1. The gradient of
    sample i is that of loss_fn(model(inputs[i:i+1]), targets[i:i+1]) with respect to the
    parameters. Returns {name: (B, *param.shape)} for every parameter that requires grad,
    in model.named_parameters() order (frozen ones are left out), with the parameter's
    dtype and device. Computed with torch.func.functional_call, grad and vmap: the model is
    called once for the whole batch, never once per sample. The model is not modified
    (parameters, their .grad: None stays None, buffers, mode). Raises ValueError when
    inputs and targets differ in length or the batch is empty.
    """
    if inputs.shape[0] != targets.shape[0] or inputs.shape[0] == 0:
        raise ValueError(
            f"inputs ({inputs.shape[0]}) and targets ({targets.shape[0]}) must hold the same "
            f"number (>= 1) of samples"
        )
    trainable = {n: p.detach() for n, p in model.named_parameters() if p.requires_grad}
    frozen = {n: p.detach() for n, p in model.named_parameters() if not p.requires_grad}
    buffers = dict(model.named_buffers())

    def sample_loss(params: dict[str, Tensor], x: Tensor, y: Tensor) -> Tensor:
        # x, y: one sample without its batch dimension; the model sees a batch of one
        state = {**params, **frozen, **buffers}
        outputs = functional_call(model, state, (x.unsqueeze(0),))
        return loss_fn(outputs, y.unsqueeze(0))

    # grad differentiates with respect to the first argument; vmap maps over the samples
    return vmap(grad(sample_loss), in_dims=(None, 0, 0))(trainable, inputs, targets)


def clip_per_sample(grads: dict[str, Tensor], max_norm: float) -> dict[str, Tensor]:
    """Scale each sample's gradient so that its norm over ALL parameters is at most max_norm.

    grads: {name: (B, ...)} per-sample gradients, as per_sample_grads returns them. Sample
    i's norm is norm_i = sqrt(sum over names of ||grads[name][i]||^2): one norm per sample
    across every parameter, not one per tensor and not one for the batch. Every entry of
    sample i is multiplied by min(1, max_norm / norm_i) (1 when norm_i is 0), so a sample
    already within the bound is unchanged. Returns new tensors (same keys, order, shapes,
    dtypes, devices); grads is not modified. Raises ValueError when max_norm <= 0, grads
    is empty, or its entries disagree on B.
    """
    if max_norm <= 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    if not grads:
        raise ValueError("grads is empty: nothing to clip")
    sizes = {g.shape[0] for g in grads.values()}
    if len(sizes) != 1:
        raise ValueError(f"every entry of grads must have the same batch size, got {sizes}")
    squares = sum(g.flatten(1).pow(2).sum(dim=1) for g in grads.values())  # (B,)
    norms = squares.sqrt()
    factors = (max_norm / norms).clamp(max=1.0)  # a zero norm gives inf, clamped to 1
    return {
        name: g * factors.view(-1, *([1] * (g.dim() - 1))).to(g.dtype) for name, g in grads.items()
    }


def dp_sgd_gradient(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    inputs: Tensor,
    targets: Tensor,
    max_norm: float,
    noise_multiplier: float,
    generator: torch.Generator | None = None,
) -> dict[str, Tensor]:
    """The DP-SGD gradient of one batch (Abadi et al. 2016): clip each sample, add noise once.

    With c = clip_per_sample(per_sample_grads(model, loss_fn, inputs, targets), max_norm)
    and B the batch size, for each trainable parameter, in model.named_parameters() order:
        noise = torch.randn(param.shape, generator=generator, dtype=param.dtype)
    drawn on the CPU (generator: a CPU torch.Generator, None for torch's global one), moved
    to the parameter's device, and
        result[name] = (c[name].sum(0) + noise_multiplier * max_norm * noise) / B.
    The noise is added once, to the sum of the clipped gradients, not to each sample, so
    each coordinate of the result has noise of standard deviation
    noise_multiplier * max_norm / B. Returns {name: tensor of the parameter's shape}. The
    model is left as per_sample_grads leaves it. Raises ValueError when noise_multiplier < 0
    (and as per_sample_grads and clip_per_sample do).
    """
    if noise_multiplier < 0:
        raise ValueError(f"noise_multiplier must be >= 0, got {noise_multiplier}")
    clipped = clip_per_sample(per_sample_grads(model, loss_fn, inputs, targets), max_norm)
    batch = inputs.shape[0]
    result = {}
    for name, g in clipped.items():  # named_parameters() order: the noise draws follow it
        noise = torch.randn(g.shape[1:], generator=generator, dtype=g.dtype).to(g.device)
        result[name] = (g.sum(dim=0) + noise_multiplier * max_norm * noise) / batch
    return result


def fedavg(clients: list[nn.Module], num_samples: list[int]) -> dict[str, Tensor]:
    """Federated averaging (McMahan et al. 2017): the clients' states weighted by data size.

    clients: K >= 1 models of the same architecture (same state_dict keys and shapes);
    num_samples: K positive ints, how many training samples each client holds. With
    w_k = num_samples[k] / sum(num_samples), every floating-point entry of the state dict
    (parameters, and buffers such as batch norm's running_mean and running_var) is
        sum_k w_k * clients[k].state_dict()[name]
    in that entry's dtype. Integer entries (batch norm's num_batches_tracked) cannot be
    averaged: the result holds their maximum over the clients, keeping the dtype. Returns
    a new state dict, keys in clients[0]'s order, ready for global_model.load_state_dict;
    its tensors share memory with no client. The clients are not modified (values, modes,
    .grad). Raises ValueError when there are no clients, the two lists differ in length, a
    count is below 1, or the clients' state dicts differ in keys.
    """
    if not clients:
        raise ValueError("fedavg needs at least one client")
    if len(clients) != len(num_samples):
        raise ValueError(f"{len(clients)} clients but {len(num_samples)} sample counts")
    if any(n < 1 for n in num_samples):
        raise ValueError(f"every client must hold at least one sample, got {num_samples}")
    states = [c.state_dict() for c in clients]
    keys = list(states[0])
    for k, state in enumerate(states[1:], start=1):
        if list(state) != keys:
            raise ValueError(f"client {k}'s state dict keys differ from client 0's")
    total = sum(num_samples)
    averaged = {}
    for key in keys:
        values = [state[key].detach() for state in states]
        if values[0].is_floating_point():
            # a fresh tensor: new_zeros, then out-of-place adds (no client's memory reused)
            avg = values[0].new_zeros(values[0].shape)
            for n, value in zip(num_samples, values, strict=True):
                avg = avg + (n / total) * value
            averaged[key] = avg
        else:
            averaged[key] = torch.stack(values).amax(dim=0)  # counters: the largest
    return averaged
