"""Kata 17: activation functions from scratch, stable at extremes. See README.md in this folder."""

from torch import Tensor


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise, like torch.sigmoid, stable for any finite x.

    x: floating point (float16 and bfloat16 too), any shape (0-d, empty), any device; not
    modified. Returns x's shape, dtype and device. Values and gradients equal torch's,
    finite, for x as large as +-1000 (even float32) and up to the dtype's largest float;
    tiny results keep their relative precision (sigmoid(-30.) is 9.4e-14, not 0).
    Do not call torch.sigmoid (or F.sigmoid, torch.special.expit, Tensor.sigmoid).
    """
    # TODO: only ever exponentiate a non-positive number; pick the formula per sign
    raise NotImplementedError("TODO: sigmoid(x)")


def tanh(x: Tensor) -> Tensor:
    """(exp(x) - exp(-x)) / (exp(x) + exp(-x)) elementwise, like torch.tanh.

    Same contract as sigmoid(); near 0, tanh(x) keeps its relative precision (tanh(1e-8)
    is 1e-8, not 0). Do not call torch.tanh (or F.tanh, Tensor.tanh), nor the sigmoid
    builtins.
    """
    # TODO: tanh is odd: compute it for |x| with exp(-2|x|), then restore the sign
    raise NotImplementedError("TODO: tanh(x)")


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise, like torch.relu, with torch's gradient (0 at exactly x = 0).

    x: floating point (float16 and bfloat16 too), any shape (0-d, empty), any device; not
    modified. Returns x's shape, dtype and device. Do not call torch.relu (or F.relu,
    Tensor.relu).
    """
    # TODO: torch.where
    raise NotImplementedError("TODO: relu(x)")


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """exp(x) / exp(x).sum(dim) along dim, like torch.softmax(x, dim), stable.

    x: floating point (float16 and bfloat16 too), any shape (at least 1-d), not modified;
    entries may be -inf (masked) as long as no slice along dim is all -inf. Returns x's
    shape, dtype and device; every slice along dim sums to 1. Values and gradients equal
    torch's for entries as large as +-1000. Do not call any softmax, log_softmax or
    logsumexp.
    """
    # TODO: subtract each slice's max (amax with keepdim) before exp
    raise NotImplementedError("TODO: softmax(x, dim)")


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x, dim)), like torch.log_softmax(x, dim), finite where torch's is.

    Same contract as softmax(). log_softmax(tensor([1000., -1000.])) is (0, -2000), not
    (0, -inf).
    """
    # TODO: shifted - log(sum(exp(shifted))), never log(softmax(x))
    raise NotImplementedError("TODO: log_softmax(x, dim)")
