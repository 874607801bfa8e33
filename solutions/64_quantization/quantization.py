"""Kata 64: int8 quantization by hand, then with torchao. See README.md in this folder."""

import copy
from collections.abc import Iterable

import torch
from torch import Tensor, nn

QMIN, QMAX = -128, 127  # the int8 range


def choose_qparams(
    x: Tensor, *, symmetric: bool = False, axis: int | None = None
) -> tuple[Tensor, Tensor]:
    """Scale and zero point that map the range of x onto int8 [-128, 127] (affine quantization).

    x: a floating-point tensor of any shape (float32, float64, float16 or bfloat16), on any
    device; it is not modified. Compute in float32 (x.float()).
    The range always includes 0, so that 0.0 is represented exactly:
    lo = min(min(x), 0) and hi = max(max(x), 0).
    Asymmetric (the default): scale = (hi - lo) / 255 and
    zero_point = -128 - round(lo / scale), rounded with torch.round, clamped into [-128, 127].
    Symmetric: scale = max(-lo, hi) / 127.5 and zero_point = 0.
    Either way scale is clamped to at least torch.finfo(torch.float32).eps, so that an
    all-zero x (or channel) gets a finite scale.
    axis=None: per tensor; scale and zero_point are 0-d. axis=a (negative counts from the
    end): per channel, one pair per index along dimension a, with min and max taken over
    all the other dimensions; scale and zero_point have shape (x.shape[a],).
    Returns (scale, zero_point): float32 and int32, on x's device.
    Raises ValueError if x is not floating point or has no elements.
    """
    if not x.is_floating_point() or x.numel() == 0:
        raise ValueError(
            f"choose_qparams needs a non-empty floating-point tensor, got {x.dtype} of shape "
            f"{tuple(x.shape)}"
        )
    x = x.detach().float()
    if axis is None:
        lo, hi = x.amin(), x.amax()  # ()
    else:
        axis = axis % x.dim()
        others = [d for d in range(x.dim()) if d != axis]
        lo, hi = x.amin(dim=others), x.amax(dim=others)  # (C,)
    # include 0 in the range, so that 0.0 (padding, ReLU outputs) is exact
    lo = torch.clamp(lo, max=0.0)
    hi = torch.clamp(hi, min=0.0)
    eps = torch.finfo(torch.float32).eps
    if symmetric:
        scale = torch.clamp(torch.maximum(-lo, hi) / ((QMAX - QMIN) / 2), min=eps)
        zero_point = torch.zeros_like(scale, dtype=torch.int32)
    else:
        scale = torch.clamp((hi - lo) / (QMAX - QMIN), min=eps)
        zero_point = torch.clamp(QMIN - torch.round(lo / scale), QMIN, QMAX).to(torch.int32)
    return scale, zero_point


def quantize(x: Tensor, scale: Tensor, zero_point: Tensor, axis: int | None = None) -> Tensor:
    """Affine int8 quantization: q = clamp(round(x / scale) + zero_point, -128, 127).

    x: a floating-point tensor of any shape and dtype, converted to float32 first; on any
    device; not modified. scale (float32) and zero_point (int32) as choose_qparams returns
    them: 0-d for axis=None; shape (x.shape[axis],) for axis=a, applied along dimension a.
    round is torch.round (ties go to the even integer: 0.5 -> 0, 1.5 -> 2). Clamp before
    converting to int8, so that values out of range saturate at -128 or 127 instead of
    wrapping around. Returns an int8 tensor of x's shape, on x's device.
    """
    scale, zero_point = _along(scale, axis, x.dim()), _along(zero_point, axis, x.dim())
    q = torch.round(x.float() / scale) + zero_point
    # clamp while still float: int8 conversion of 200 would wrap around to -56
    return torch.clamp(q, QMIN, QMAX).to(torch.int8)


def dequantize(q: Tensor, scale: Tensor, zero_point: Tensor, axis: int | None = None) -> Tensor:
    """The way back: x_hat = (q - zero_point) * scale, as float32.

    q: an int8 tensor of any shape, not modified; scale, zero_point and axis as for quantize.
    q - zero_point can reach 255 (127 - (-128)), which int8 cannot hold: subtract in float32
    (or int32). Returns a float32 tensor of q's shape, on q's device.
    For x inside the representable range [scale * (-128 - zero_point),
    scale * (127 - zero_point)]: |dequantize(quantize(x)) - x| <= scale / 2.
    """
    scale, zero_point = _along(scale, axis, q.dim()), _along(zero_point, axis, q.dim())
    # in float32: 127 - (-128) = 255 overflows int8
    return (q.float() - zero_point.float()) * scale


def quantize_state_dict(model: nn.Module) -> dict[str, Tensor]:
    """An int8 copy of model.state_dict() for storage: weights per output channel, the rest as is.

    The weight of every nn.Linear and nn.Conv2d (at any depth) is quantized per output
    channel and symmetric: scale, zero_point = choose_qparams(w, symmetric=True, axis=0),
    then quantize. Entry "<name>" (e.g. "0.weight") holds the int8 tensor and
    "<name>_scale" (e.g. "0.weight_scale") the float32 scales, shape (C_out,).
    Every other entry of model.state_dict() (biases, other parameters, buffers) is kept with
    its dtype and values: biases stay float32 (they are few, and an int8 model adds them to
    a wide accumulator, so int8 biases would only lose precision).
    The tensors are detached, on the model's device, and share no memory with the model.
    The model is not modified.
    """
    weights = {
        f"{prefix}.weight" if prefix else "weight"
        for prefix, module in model.named_modules()
        if isinstance(module, nn.Linear | nn.Conv2d)
    }
    state = {}
    for name, tensor in model.state_dict().items():
        tensor = tensor.detach()
        if name in weights:
            scale, zero_point = choose_qparams(tensor, symmetric=True, axis=0)
            state[name] = quantize(tensor, scale, zero_point, axis=0)  # (C_out, ...) int8
            state[name + "_scale"] = scale  # (C_out,)
        else:
            state[name] = tensor.clone()  # state_dict() entries share the model's memory
    return state


def dequantize_state_dict(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """The inverse of quantize_state_dict: a float32 state_dict that load_state_dict accepts.

    Every entry "<name>" that has a "<name>_scale" entry becomes
    dequantize(state[name], scale, 0, axis=0); the "_scale" entries are dropped; every
    other entry is kept as it is. state is not modified.
    """
    result = {}
    for name, tensor in state.items():
        if name.endswith("_scale") and name.removesuffix("_scale") in state:
            continue
        scale = state.get(name + "_scale")
        if scale is None:
            result[name] = tensor.clone()
        else:
            zero_point = torch.zeros_like(scale, dtype=torch.int32)
            result[name] = dequantize(tensor, scale, zero_point, axis=0)
    return result


def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """A copy of model with dynamic int8 quantization of every nn.Linear, made with torchao.

    Weights become int8 per output channel (symmetric); activations are quantized to int8
    per token (per row, symmetric) at run time, from each batch's own range. With torchao:
    torchao.quantization.quantize_(copy, Int8DynamicActivationInt8WeightConfig()).
    The copy is returned in eval mode (dropout off). The caller's model is not modified: same
    weights, same training flag, still plain float Parameters. Do not use the deprecated
    torch.ao.quantization (quantize_dynamic).
    """
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

    quantized = copy.deepcopy(model).eval()  # quantize_ works in place: never on the caller's
    quantize_(quantized, Int8DynamicActivationInt8WeightConfig())
    return quantized


def quantize_static_int8(model: nn.Module, calibration: Iterable[Tensor]) -> nn.Module:
    """A copy of model with static int8 quantization of every nn.Linear, calibrated on data.

    Calibrate: run the copy in eval mode under torch.no_grad() on every batch of calibration
    (a list, a generator or a DataLoader of input tensors: read it once), recording for each
    nn.Linear the largest |x| seen at its input over all the batches (forward pre-hooks,
    removed afterwards). Each Linear then gets the fixed activation scale max|x| / 127.5
    (choose_qparams' symmetric scale, clamped to at least float32 eps), as a float32 tensor
    of shape (1, 1), applied with torchao to that Linear only:
    quantize_(copy, Int8StaticActivationInt8WeightConfig(act_quant_scale=scale,
    granularity=PerTensor()), filter_fn=...). Weights are quantized per tensor, symmetric.
    Static means the scale no longer follows the data: inputs beyond the calibrated range
    saturate at 127 * scale. The Linears' inputs must be 2-D (batch, features) (a limit of
    torchao 0.18's static path). Returned in eval mode with no hooks left on it; the
    caller's model is not modified. Raises ValueError if calibration holds no batch.
    """
    from torchao.quantization import Int8StaticActivationInt8WeightConfig, PerTensor, quantize_

    quantized = copy.deepcopy(model).eval()  # eval: dropout would distort the ranges
    largest: dict[str, Tensor] = {}

    def observer(name: str):
        def hook(module: nn.Module, args: tuple) -> None:
            seen = args[0].detach().abs().amax()
            largest[name] = seen if name not in largest else torch.maximum(largest[name], seen)

        return hook

    linears = [name for name, m in quantized.named_modules() if isinstance(m, nn.Linear)]
    modules = dict(quantized.named_modules())
    handles = [modules[name].register_forward_pre_hook(observer(name)) for name in linears]
    batches = 0
    try:
        with torch.no_grad():
            for batch in calibration:
                quantized(batch)
                batches += 1
    finally:
        for handle in handles:
            handle.remove()
    if batches == 0:
        raise ValueError("quantize_static_int8: calibration holds no batch to measure ranges on")
    eps = torch.finfo(torch.float32).eps
    for name in linears:
        if name not in largest:
            continue  # a Linear the forward never reached keeps its float weights
        scale = torch.clamp(largest[name].float() / ((QMAX - QMIN) / 2), min=eps).reshape(1, 1)
        config = Int8StaticActivationInt8WeightConfig(
            act_quant_scale=scale, granularity=PerTensor()
        )
        quantize_(quantized, config, filter_fn=lambda module, fqn, name=name: fqn == name)
    return quantized


def prepare_qat(model: nn.Module) -> nn.Module:
    """A copy of model ready for quantization-aware training (QAT), made with torchao.

    Every nn.Linear becomes a fake-quantized Linear: in forward it rounds its input to int8
    per token (asymmetric) and its weight to int8 per output channel (symmetric), then
    computes in float, exactly as the int8 model will; backward passes gradients straight
    through the rounding to the float weights, so that training adapts them to the int8
    grid. With torchao: base = Int8DynamicActivationIntxWeightConfig(weight_dtype=torch.int8,
    weight_granularity=PerAxis(0)), then quantize_(copy, QATConfig(base, step="prepare")).
    The copy keeps the model's training flag; the caller's model is not modified.
    """
    from torchao.quantization import quantize_
    from torchao.quantization.qat import QATConfig

    prepared = copy.deepcopy(model)  # keeps model.training
    quantize_(prepared, QATConfig(_qat_base_config(), step="prepare"))
    return prepared


def convert_qat(model: nn.Module) -> nn.Module:
    """Turn a model from prepare_qat (trained or not) into a real int8 model, in place.

    quantize_(model, QATConfig(base, step="convert")) with the same base config as
    prepare_qat: the fake-quantized Linears become nn.Linear layers with int8 weights, and
    the model computes what the prepared model computed in eval mode. Returns the same
    model object, in eval mode.
    """
    from torchao.quantization import quantize_
    from torchao.quantization.qat import QATConfig

    # the same base config: convert applies the scheme training simulated
    quantize_(model, QATConfig(_qat_base_config(), step="convert"))
    return model.eval()


def _along(t: Tensor, axis: int | None, ndim: int) -> Tensor:
    """Per-tensor parameters as they are; per-channel ones shaped to broadcast along axis."""
    if axis is None:
        return t
    shape = [1] * ndim
    shape[axis % ndim] = -1
    return t.reshape(shape)  # (1, C, 1, ...) for axis 1


def _qat_base_config():
    """What QAT simulates and convert applies: int8 activations per token, weights per row."""
    from torchao.quantization import Int8DynamicActivationIntxWeightConfig, PerAxis

    return Int8DynamicActivationIntxWeightConfig(
        weight_dtype=torch.int8, weight_granularity=PerAxis(0)
    )
