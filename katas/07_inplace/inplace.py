"""Kata 07: in-place operations and autograd. See README.md in this folder."""

from torch import Tensor


def softmax_rows(x: Tensor) -> Tensor:
    """Softmax over the last dimension, written out (not torch.softmax), safe for autograd.

    x: (N, C) floating point, may require grad. Returns (N, C), each row non-negative and
    summing to 1. Backward through the result works and gives torch.softmax's gradients:
    nothing autograd saved for backward is modified in place (the classic
    "e = x.exp(); e /= e.sum(-1, keepdim=True)" breaks, because exp saves its output).
    Subtract each row's max first so large inputs do not overflow. x is not changed.
    """
    # TODO: exp saves its result for backward, so divide out of place: e / e.sum(...)
    raise NotImplementedError("TODO: softmax_rows(x)")


def masked_tanh(x: Tensor, mask: Tensor) -> Tensor:
    """tanh(x) with the positions where mask is True set to 0, safe for autograd.

    x: floating point, any shape, may require grad; mask: bool, x's shape. The gradient is
    tanh's where mask is False and 0 where it is True. Must not write into tanh's output in
    place (h = x.tanh(); h[mask] = 0 breaks backward: tanh saves its output), and must not
    hide such a write from autograd with .data or detach (the gradient would be silently
    wrong). x and mask are not changed.
    """
    # TODO: build the result out of place: torch.where or masked_fill (no underscore)
    raise NotImplementedError("TODO: masked_tanh(x, mask)")


def assign_(w: Tensor, values: Tensor) -> Tensor:
    """Overwrite the values of a leaf tensor that requires grad (a parameter), in place.

    w: a leaf with requires_grad=True; values: w's shape, any floating dtype, any device.
    Copies values into w's existing storage (views of w see them), converting to w's dtype
    and device. Returns w itself, still a leaf, still requires_grad=True, no grad_fn, its
    dtype, device and .grad unchanged. Autograd does not record the copy, but it sees that
    w changed: w._version goes up, so a graph that saved w before the call refuses to run
    backward (with stale values) instead of giving a wrong gradient. values is not changed.
    """
    # TODO: in-place ops on a leaf that requires grad are only allowed under torch.no_grad()
    raise NotImplementedError("TODO: assign_(w, values)")


def sgd_step_(params: list[Tensor], lr: float) -> None:
    """One plain SGD step, in place: p -= lr * p.grad for each p, then p.grad = None.

    params: leaf tensors with requires_grad=True; a parameter whose .grad is None is left
    alone (the ones after it are still updated). Each parameter stays the same object with
    the same storage, still a leaf that requires grad. The update is not recorded by
    autograd. The list and the gradient tensors themselves are not changed (the caller may
    still hold them).
    """
    # TODO: update under torch.no_grad() with an in-place op, then clear the gradient
    raise NotImplementedError("TODO: sgd_step_(params, lr)")
