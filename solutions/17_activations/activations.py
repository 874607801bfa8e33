"""Kata 17: activation functions from scratch, stable at extremes. See README.md in this folder."""

import torch
from torch import Tensor


def _minus_abs(x: Tensor) -> Tensor:
    # -|x|, written with where so that its derivative at exactly 0 is -1, not 0 as abs() gives
    return torch.where(x >= 0, -x, x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise, like torch.sigmoid, stable for any finite x.

    x: floating point (float16 and bfloat16 too), any shape (0-d, empty), any device; not
    modified. Returns x's shape, dtype and device. Values and gradients equal torch's,
    finite, for x as large as +-1000 (even float32) and up to the dtype's largest float;
    tiny results keep their relative precision (sigmoid(-30.) is 9.4e-14, not 0).
    Do not call torch.sigmoid (or F.sigmoid, torch.special.expit, Tensor.sigmoid).
    """
    z = torch.exp(_minus_abs(x))  # exp(-|x|) is in (0, 1]: it cannot overflow
    # x >= 0: 1 / (1 + exp(-x)); x < 0: exp(x) / (1 + exp(x)); both branches finite everywhere,
    # so torch.where's backward never multiplies a zero by an inf
    return torch.where(x >= 0, 1 / (1 + z), z / (1 + z))


def tanh(x: Tensor) -> Tensor:
    """(exp(x) - exp(-x)) / (exp(x) + exp(-x)) elementwise, like torch.tanh.

    Same contract as sigmoid(); near 0, tanh(x) keeps its relative precision (tanh(1e-8)
    is 1e-8, not 0). Do not call torch.tanh (or F.tanh, Tensor.tanh), nor the sigmoid
    builtins.
    """
    m = 2 * _minus_abs(x)  # -2|x| <= 0
    # tanh(|x|) = (1 - exp(-2|x|)) / (1 + exp(-2|x|)); expm1 keeps precision near 0
    t = -torch.expm1(m) / (1 + torch.exp(m))
    return torch.where(x >= 0, t, -t)  # tanh is odd


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise, like torch.relu, with torch's gradient (0 at exactly x = 0).

    x: floating point (float16 and bfloat16 too), any shape (0-d, empty), any device; not
    modified. Returns x's shape, dtype and device. Do not call torch.relu (or F.relu,
    Tensor.relu).
    """
    return torch.where(x > 0, x, torch.zeros_like(x))


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """exp(x) / exp(x).sum(dim) along dim, like torch.softmax(x, dim), stable.

    x: floating point (float16 and bfloat16 too), any shape (at least 1-d), not modified;
    entries may be -inf (masked) as long as no slice along dim is all -inf. Returns x's
    shape, dtype and device; every slice along dim sums to 1. Values and gradients equal
    torch's for entries as large as +-1000. Do not call any softmax, log_softmax or
    logsumexp.
    """
    shifted = x - x.amax(dim=dim, keepdim=True)  # each slice's largest entry becomes 0
    e = torch.exp(shifted)
    return e / e.sum(dim=dim, keepdim=True)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x, dim)), like torch.log_softmax(x, dim), finite where torch's is.

    Same contract as softmax(). log_softmax(tensor([1000., -1000.])) is (0, -2000), not
    (0, -inf).
    """
    shifted = x - x.amax(dim=dim, keepdim=True)
    # log of the sum, never the log of a probability that rounded to 0
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))
