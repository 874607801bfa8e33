"""Kata 66: ONNX export with a dynamic batch, run by onnxruntime, and a custom op. See README.md."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from torch import Tensor, nn


def export_onnx(model: nn.Module, example: tuple[Tensor, ...], path: Path) -> None:
    """Export model to one ONNX file at path with torch.onnx.export(..., dynamo=True).

    example: the positional inputs of model.forward, one tensor per argument, each with its
    batch dimension first and a batch size of at least 2 (torch.export specialises sizes 0
    and 1); on any device. The batch dimension of every input is dynamic: dynamic_shapes
    maps each of forward's argument names to {0: torch.export.Dim.DYNAMIC}, so that the
    file runs at any batch size. model may be in train mode: it is exported in eval mode
    (dropout off, BatchNorm with its running statistics), and the caller's model is left as
    it was (weights and training flag). The file is self-contained (external_data=False: no
    "<path>.data" beside it). Returns None.
    """
    # TODO: inspect.signature(model.forward) for the names, a copy in eval mode, torch.onnx.export
    raise NotImplementedError("TODO: export_onnx(model, example, path)")


def onnx_predict(path: Path, *inputs: Tensor) -> list[Tensor]:
    """Run the ONNX file at path with onnxruntime (CPUExecutionProvider) on inputs.

    inputs: one tensor per graph input, in the graph's order; on any device, of the dtype the
    graph expects (int64 token ids stay int64), possibly requiring grad or not contiguous;
    they are not modified. Feed them by the graph's own input names
    (session.get_inputs()), not by names you guess. Returns every output of the graph, in
    order, as torch tensors on the first input's device. Raises ValueError if the number of
    inputs is not the number of graph inputs.
    """
    # TODO: onnxruntime.InferenceSession(str(path), providers=[...]), a feed dict, session.run
    raise NotImplementedError("TODO: onnx_predict(path, *inputs)")


def register_soft_clip(qualname: str) -> Callable[[Tensor, float], Tensor]:
    """Define the custom operator soft_clip(x, limit) = limit * tanh(x / limit).

    qualname: "namespace::name" (e.g. "mylib::soft_clip"), passed to torch.library.custom_op.
    The op takes x (a floating tensor of any shape, on any device; not modified) and limit
    (a positive Python float) and returns a new tensor of x's shape, dtype and device; it
    mutates nothing (mutates_args=()). Register a fake implementation (op.register_fake)
    that only describes the output (an empty tensor like x), so that torch.export can trace
    the op without running it. Returns the op: call it as op(x, limit).
    """
    # TODO: @torch.library.custom_op(qualname, mutates_args=()) on a typed inner function,
    # then @op.register_fake
    raise NotImplementedError("TODO: register_soft_clip(qualname)")


def soft_clip_onnx(x: Any, limit: float) -> Any:
    """The ONNX translation of soft_clip: limit * tanh(x / limit), in ONNX operators.

    Build it with onnxscript's opset 18 (from onnxscript import opset18 as op: op.Div,
    op.Tanh, op.Mul). x is an onnxscript value (a graph value during export; in onnxscript's
    eager mode, a tensor wrapping a NumPy array), limit a Python float. Returns the
    onnxscript value of the result.
    """
    # TODO: import onnxscript's opset18 here (not at module level: it is slow to import)
    raise NotImplementedError("TODO: soft_clip_onnx(x, limit)")


def export_soft_clip_model(
    model: nn.Module, example: tuple[Tensor, ...], path: Path, qualname: str
) -> None:
    """Export a model that calls the soft_clip op registered under qualname.

    The exporter has no ONNX translation for a custom op: pass custom_translation_table
    mapping the op's overload torch.ops.<namespace>.<name>.default (an OpOverload, not the
    packet without .default) to soft_clip_onnx. The file then holds only standard ONNX
    operators, which onnxruntime runs. Otherwise exactly as export_onnx: dynamic batch
    dimension on every input, eval mode, the caller's model untouched, one self-contained
    file.
    """
    # TODO: export_onnx's recipe plus custom_translation_table={overload: soft_clip_onnx}
    raise NotImplementedError("TODO: export_soft_clip_model(model, example, path, qualname)")
