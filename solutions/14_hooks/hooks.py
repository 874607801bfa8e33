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
    modules = {name: model.get_submodule(name) for name in names}  # fails before any hook
    activations: dict[str, Tensor] = {}
    handles = []
    for name, module in modules.items():

        def hook(module: nn.Module, inputs: tuple, output: Tensor, name: str = name) -> None:
            # clone: a later in-place op (ReLU(inplace=True)) would overwrite a mere view
            activations[name] = output.detach().clone()

        handles.append(module.register_forward_hook(hook))
    try:
        output = model(x)
    finally:
        for handle in handles:  # a hook left behind runs (and leaks) on every later call
            handle.remove()
    return output, {name: activations[name] for name in names}


def clip_grad_hook(t: Tensor, clip: float) -> RemovableHandle:
    """Register a hook that clamps the gradient flowing into t to [-clip, clip], elementwise.

    t: a tensor that requires grad, a leaf or an intermediate result; clip: a float > 0.
    Every later backward through t sees the clamped gradient: ops before t receive it, and
    for a leaf t it is what lands in t.grad. Runs no backward itself. Returns the handle;
    after handle.remove() gradients pass unclipped and t keeps no hook. Raises ValueError
    if clip <= 0 or t does not require grad.
    """
    if clip <= 0:
        raise ValueError(f"clip must be positive, got {clip}")
    if not t.requires_grad:
        raise ValueError("t does not require grad: no gradient will ever flow into it")
    # a tensor hook must not modify its argument; it returns the gradient to use instead
    return t.register_hook(lambda grad: grad.clamp(-clip, clip))
