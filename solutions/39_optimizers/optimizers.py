"""Kata 39: SGD with momentum, Adam and AdamW by hand; parameter groups. See README.md.

The optimizers below work like torch.optim's: construct them with the parameters, let
backward() fill each parameter's .grad, call step(). They must compute exactly what
torch.optim.SGD, torch.optim.Adam and torch.optim.AdamW compute (float64 to 1e-10), but
by hand: calling torch.optim's optimizers or their functional forms is not allowed.
"""

import math
from collections.abc import Iterable

import torch
from torch import Tensor, nn


class SGD:
    """Stochastic gradient descent with momentum, dampening, weight decay and Nesterov.

    SGD(params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False), the
    arguments and the arithmetic of torch.optim.SGD. params: an iterable of tensors (read
    once: a generator such as model.parameters() is fine). The attribute lr may be changed
    between steps (a scheduler does); each step uses its current value.
    Raises ValueError when lr < 0, momentum < 0, weight_decay < 0, or nesterov is True
    without momentum > 0 and dampening == 0.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        """Check the arguments, keep the parameters in a list and an empty state."""
        if lr < 0:
            raise ValueError(f"invalid learning rate: {lr}")
        if momentum < 0:
            raise ValueError(f"invalid momentum: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"invalid weight_decay: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening == 0")
        self.params = list(params)
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov
        self.buffers: dict[int, Tensor] = {}  # id(p) -> momentum buffer

    def step(self) -> None:
        """Update, in place and without autograd recording, every parameter with a .grad.

        For each parameter p whose p.grad is not None (the others are skipped, their
        momentum buffers untouched):
            g = p.grad + weight_decay * p            (weight decay before the momentum)
            if momentum != 0:
                buf = a copy of g at p's first step, else momentum * buf + (1 - dampening) * g
                g = g + momentum * buf if nesterov else buf
            p = p - lr * g                           (lr outside the buffer)
        Never changes p.grad, or any gradient tensor it was given at an earlier step.
        """
        with torch.no_grad():
            for p in self.params:
                if p.grad is None:
                    continue
                g = p.grad
                if self.weight_decay != 0:
                    g = g + self.weight_decay * p  # a new tensor: p.grad stays as it was
                if self.momentum != 0:
                    buf = self.buffers.get(id(p))
                    if buf is None:
                        buf = g.detach().clone()  # a copy: later in-place updates of buf
                        self.buffers[id(p)] = buf  # must not reach p.grad
                    else:
                        buf.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                    g = g + self.momentum * buf if self.nesterov else buf
                p.sub_(self.lr * g)

    def zero_grad(self) -> None:
        """Set every parameter's .grad to None."""
        for p in self.params:
            p.grad = None


class Adam:
    """Adam with bias correction and L2 weight decay, exactly as torch.optim.Adam.

    Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0). params: an
    iterable of tensors (read once). lr may be changed between steps. weight_decay here
    is L2 regularisation: it is ADDED TO THE GRADIENT, so it also passes through the
    moments (compare AdamW). Raises ValueError when lr < 0, eps < 0, weight_decay < 0,
    or a beta is outside [0, 1).
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        """Check the arguments, keep the parameters in a list and an empty state."""
        if lr < 0:
            raise ValueError(f"invalid learning rate: {lr}")
        if eps < 0:
            raise ValueError(f"invalid eps: {eps}")
        if weight_decay < 0:
            raise ValueError(f"invalid weight_decay: {weight_decay}")
        if not all(0.0 <= beta < 1.0 for beta in betas):
            raise ValueError(f"invalid betas: {betas}, each must be in [0, 1)")
        self.params = list(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.decoupled = False
        self.state: dict[int, dict] = {}  # id(p) -> {"t": int, "m": Tensor, "v": Tensor}

    def step(self) -> None:
        """Update, in place and without autograd recording, every parameter with a .grad.

        For each parameter p whose p.grad is not None (the others are skipped: their step
        count and moments do not change), with its own step count t (1 at its first step)
        and moments m, v (zeros before its first step):
            g = p.grad + weight_decay * p
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            p = p - lr / (1 - beta1 ** t) * m / (sqrt(v) / sqrt(1 - beta2 ** t) + eps)
        Never changes p.grad.
        """
        beta1, beta2 = self.betas
        with torch.no_grad():
            for p in self.params:
                if p.grad is None:
                    continue
                state = self.state.setdefault(
                    id(p), {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)}
                )
                state["t"] += 1  # per parameter: a skipped parameter does not count a step
                t, m, v = state["t"], state["m"], state["v"]
                g = p.grad
                if self.weight_decay != 0:
                    if self.decoupled:
                        p.mul_(1 - self.lr * self.weight_decay)  # AdamW: shrink p itself
                    else:
                        g = g + self.weight_decay * p  # Adam: L2, through the moments
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                step_size = self.lr / (1 - beta1**t)
                denom = v.sqrt() / math.sqrt(1 - beta2**t) + self.eps
                p.sub_(step_size * m / denom)

    def zero_grad(self) -> None:
        """Set every parameter's .grad to None."""
        for p in self.params:
            p.grad = None


class AdamW(Adam):
    """Adam with DECOUPLED weight decay, exactly as torch.optim.AdamW.

    AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2), the checks of
    Adam. step() is Adam's with one change: the gradient is NOT decayed (g = p.grad);
    instead each parameter is first shrunk, p = p * (1 - lr * weight_decay), before the
    moments and the update are computed. zero_grad() is Adam's.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        """As Adam.__init__, with weight_decay applied the decoupled way."""
        super().__init__(params, lr, betas, eps, weight_decay)
        self.decoupled = True

    def step(self) -> None:
        """Adam's step with decoupled decay: p = p * (1 - lr * weight_decay) first, then the
        moments and the update from g = p.grad (no decay term in g). Never changes p.grad."""
        super().step()  # Adam.step applies the decay the decoupled way for AdamW


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Two parameter groups for a torch.optim optimizer: decay, then no decay.

    Returns [{"params": decay, "weight_decay": weight_decay},
             {"params": no_decay, "weight_decay": 0.0}], each list in the order of
    model.parameters(). no_decay holds every parameter with at most one dimension (biases,
    1-d scales) and every parameter of a normalisation layer (nn.BatchNorm1d/2d/3d,
    nn.InstanceNorm*, nn.LayerNorm, nn.GroupNorm, nn.RMSNorm), whatever its shape.
    Everything else is decayed, nn.Embedding's weight included. Every parameter of the
    model is in exactly one group, once (a weight shared by two modules counts once), as
    the Parameter objects themselves (not copies). Raises ValueError when weight_decay < 0.
    """
    if weight_decay < 0:
        raise ValueError(f"invalid weight_decay: {weight_decay}")
    norm_types = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.RMSNorm)
    in_norm = {
        id(p)
        for module in model.modules()
        if isinstance(module, norm_types)
        for p in module.parameters(recurse=False)
    }
    decay, no_decay = [], []
    for p in model.parameters():  # each shared Parameter once
        (no_decay if p.ndim <= 1 or id(p) in in_norm else decay).append(p)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
