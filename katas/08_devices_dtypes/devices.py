"""Kata 08: device-agnostic code and the three classic errors. See README.md in this folder."""

from typing import Any

import torch
from torch import Tensor, nn


def pick_device() -> torch.device:
    """The best available device: CUDA, else Apple's MPS, else the CPU.

    CUDA when torch.cuda.is_available(), else MPS when torch.backends.mps.is_available().
    Returns a torch.device (not a string). The only function in this module that may
    name a device; every other function follows the devices of its arguments.
    """
    # TODO: ask torch.cuda.is_available() and torch.backends.mps.is_available(), in order
    raise NotImplementedError("TODO: pick_device()")


def to_device(model: nn.Module, batch: Any, device: torch.device) -> tuple[nn.Module, Any]:
    """Move a model and a batch to device; returns (model, batch).

    model: moved with all its parameters and buffers (nn.Module.to moves in place and
    returns the module). batch: a tensor, or dicts / lists / tuples of them nested to any
    depth; returned with the same structure (same container types and dict keys) and every
    tensor on device. Anything that is not a tensor (ints, strings, None) is kept as is.
    The caller's containers are not changed: the moved batch is built from new ones.
    """
    # TODO: model.to moves in place, tensor.to returns a NEW tensor: rebuild containers
    raise NotImplementedError("TODO: to_device(model, batch, device)")


def cast_like(x: Tensor, ref: Tensor) -> Tensor:
    """x converted to ref's dtype AND ref's device (values converted as .to converts them).

    x.type(dtype) only changes the dtype, which is why .to(...) is the tool here. Converts
    at most once: one .to() call, not .type() followed by .to() (each call copies the whole
    tensor). Returns x itself, not a copy, when x already has ref's dtype and device.
    x is not changed.
    """
    # TODO: Tensor.to accepts a tensor (or device= and dtype= together)
    raise NotImplementedError("TODO: cast_like(x, ref)")


def classify_images(model: nn.Linear, images: Tensor) -> Tensor:
    """Apply a linear classifier to a batch of images; fixes the shape error.

    model: nn.Linear with in_features = C*H*W. images: (N, C, H, W) in any memory layout
    (contiguous, channels_last, sliced). model(images) fails ("mat1 and mat2 shapes cannot
    be multiplied"): flatten each image (in C, H, W order) first. Returns (N, out_features).
    """
    # TODO: flatten everything but the batch dimension; view fails on channels_last
    raise NotImplementedError("TODO: classify_images(model, images)")


def run_model(model: nn.Module, x: Tensor) -> Tensor:
    """model(x) for an x that may be on another device or of another dtype than the model.

    Fixes "Expected all tensors to be on the same device" and "mat1 and mat2 must have the
    same dtype" by moving and casting x to the device and dtype of the model's first
    parameter. The model is not moved or changed (nor switched between train and eval
    mode). Returns what the model returns, with its autograd graph when the model's
    parameters require grad.
    """
    # TODO: read device and dtype from next(model.parameters()), then x.to(...)
    raise NotImplementedError("TODO: run_model(model, x)")


def classification_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy of logits (N, C) against class indices that arrive as floats or int32.

    targets: (N,) holding whole numbers in [0, C), as float32/float64/int32/int64, on any
    device. F.cross_entropy wants int64 ("expected target dtype to be Long") on logits'
    device: convert them. Returns a 0-d tensor on logits' device.
    """
    # TODO: convert the targets' dtype (and device) before F.cross_entropy
    raise NotImplementedError("TODO: classification_loss(logits, targets)")
