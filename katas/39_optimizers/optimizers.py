"""Kata 39: SGD with momentum, Adam and AdamW by hand; parameter groups. See README.md.

The optimizers below work like torch.optim's: construct them with the parameters, let
backward() fill each parameter's .grad, call step(). They must compute exactly what
torch.optim.SGD, torch.optim.Adam and torch.optim.AdamW compute (float64 to 1e-10), but
by hand: calling torch.optim's optimizers or their functional forms is not allowed.
"""

from collections.abc import Iterable

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
        # TODO: validate as torch.optim.SGD does; one momentum buffer per parameter, later
        raise NotImplementedError("TODO: SGD.__init__")

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
        # TODO: under torch.no_grad(), the formulas above, one buffer per parameter
        raise NotImplementedError("TODO: SGD.step")

    def zero_grad(self) -> None:
        """Set every parameter's .grad to None."""
        # TODO: p.grad = None for each parameter
        raise NotImplementedError("TODO: SGD.zero_grad")


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
        # TODO: validate; per parameter, later: its own step count t and moments m, v
        raise NotImplementedError("TODO: Adam.__init__")

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
        # TODO: under torch.no_grad(), the formulas above; the bias corrections matter
        # most in the first steps
        raise NotImplementedError("TODO: Adam.step")

    def zero_grad(self) -> None:
        """Set every parameter's .grad to None."""
        # TODO: p.grad = None for each parameter
        raise NotImplementedError("TODO: Adam.zero_grad")


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
        # TODO: the same state as Adam; remember that the decay is decoupled
        raise NotImplementedError("TODO: AdamW.__init__")

    def step(self) -> None:
        """Adam's step with decoupled decay: p = p * (1 - lr * weight_decay) first, then the
        moments and the update from g = p.grad (no decay term in g). Never changes p.grad."""
        # TODO: shrink p, then Adam's update without weight decay in the gradient
        raise NotImplementedError("TODO: AdamW.step")


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
    # TODO: find the parameters of normalisation modules (by identity), then split
    # model.parameters() into the two lists
    raise NotImplementedError("TODO: param_groups(model, weight_decay)")
