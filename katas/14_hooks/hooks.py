"""Kata 14: forward hooks, tensor hooks and removing them. See README.md in this folder."""

from collections.abc import Sequence

from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle


def capture_activations(
    model: nn.Module, x: Tensor, names: Sequence[str]
) -> tuple[Tensor, dict[str, Tensor]]:
    """Run model(x) once and capture the outputs of the named submodules with forward hooks.

    names: submodule names as model.named_modules() spells them ("1", "encoder.0"), each
    called once per forward. Returns (output, activations): output is exactly what model(x)
    returns (graph included); activations maps each name, in the order given, to a detached
    copy of that submodule's output (requires_grad False), which later in-place ops in the
    model (ReLU(inplace=True)) must not change. Uses register_forward_hook and removes every
    hook it registered before returning, also when the forward raises: afterwards no module
    keeps one of them, and hooks the caller registered are still there.
    Raises AttributeError for a name that is not a submodule, before running the model.
    """
    # TODO: model.get_submodule(name).register_forward_hook(...); remove in a finally
    raise NotImplementedError("TODO: capture_activations(model, x, names)")


def clip_grad_hook(t: Tensor, clip: float) -> RemovableHandle:
    """Register a hook that clamps the gradient flowing into t to [-clip, clip], elementwise.

    t: a tensor that requires grad, a leaf or an intermediate result; clip: a float > 0.
    Every later backward through t sees the clamped gradient: ops before t receive it, and
    for a leaf t it is what lands in t.grad. Runs no backward itself. Returns the handle;
    after handle.remove() gradients pass unclipped and t keeps no hook. Raises ValueError
    if clip <= 0 or t does not require grad.
    """
    # TODO: t.register_hook(fn), where fn returns the new gradient (out of place)
    raise NotImplementedError("TODO: clip_grad_hook(t, clip)")
