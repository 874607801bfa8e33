"""Kata 64: int8 quantization by hand, then with torchao. See README.md in this folder."""

from collections.abc import Iterable

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
    # TODO: lo/hi with 0 included (torch.amin/amax over every dim but axis), then the two formulas
    raise NotImplementedError("TODO: choose_qparams(x, symmetric=..., axis=...)")


def quantize(x: Tensor, scale: Tensor, zero_point: Tensor, axis: int | None = None) -> Tensor:
    """Affine int8 quantization: q = clamp(round(x / scale) + zero_point, -128, 127).

    x: a floating-point tensor of any shape and dtype, converted to float32 first; on any
    device; not modified. scale (float32) and zero_point (int32) as choose_qparams returns
    them: 0-d for axis=None; shape (x.shape[axis],) for axis=a, applied along dimension a.
    round is torch.round (ties go to the even integer: 0.5 -> 0, 1.5 -> 2). Clamp before
    converting to int8, so that values out of range saturate at -128 or 127 instead of
    wrapping around. Returns an int8 tensor of x's shape, on x's device.
    """
    # TODO: per-channel parameters reshaped to broadcast along axis; round, add, clamp, .to(int8)
    raise NotImplementedError("TODO: quantize(x, scale, zero_point, axis)")


def dequantize(q: Tensor, scale: Tensor, zero_point: Tensor, axis: int | None = None) -> Tensor:
    """The way back: x_hat = (q - zero_point) * scale, as float32.

    q: an int8 tensor of any shape, not modified; scale, zero_point and axis as for quantize.
    q - zero_point can reach 255 (127 - (-128)), which int8 cannot hold: subtract in float32
    (or int32). Returns a float32 tensor of q's shape, on q's device.
    For x inside the representable range [scale * (-128 - zero_point),
    scale * (127 - zero_point)]: |dequantize(quantize(x)) - x| <= scale / 2.
    """
    # TODO: (q.float() - zero_point) * scale, broadcast along axis
    raise NotImplementedError("TODO: dequantize(q, scale, zero_point, axis)")


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
    # TODO: walk model.named_modules(), quantize the weights of Linear/Conv2d, clone the rest
    raise NotImplementedError("TODO: quantize_state_dict(model)")


def dequantize_state_dict(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """The inverse of quantize_state_dict: a float32 state_dict that load_state_dict accepts.

    Every entry "<name>" that has a "<name>_scale" entry becomes
    dequantize(state[name], scale, 0, axis=0); the "_scale" entries are dropped; every
    other entry is kept as it is. state is not modified.
    """
    # TODO: dequantize the entries that have a scale, copy the others
    raise NotImplementedError("TODO: dequantize_state_dict(state)")


def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """A copy of model with dynamic int8 quantization of every nn.Linear, made with torchao.

    Weights become int8 per output channel (symmetric); activations are quantized to int8
    per token (per row, symmetric) at run time, from each batch's own range. With torchao:
    torchao.quantization.quantize_(copy, Int8DynamicActivationInt8WeightConfig()).
    The copy is returned in eval mode (dropout off). The caller's model is not modified: same
    weights, same training flag, still plain float Parameters. Do not use the deprecated
    torch.ao.quantization (quantize_dynamic).
    """
    # TODO: copy.deepcopy, eval(), torchao's quantize_ with the int8 dynamic config
    raise NotImplementedError("TODO: quantize_dynamic_int8(model)")


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
    # TODO: deepcopy + eval, pre-hooks that keep a running max of |input|, remove them, quantize_
    raise NotImplementedError("TODO: quantize_static_int8(model, calibration)")


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
    # TODO: deepcopy, then torchao.quantization.qat.QATConfig(base, step="prepare")
    raise NotImplementedError("TODO: prepare_qat(model)")


def convert_qat(model: nn.Module) -> nn.Module:
    """Turn a model from prepare_qat (trained or not) into a real int8 model, in place.

    quantize_(model, QATConfig(base, step="convert")) with the same base config as
    prepare_qat: the fake-quantized Linears become nn.Linear layers with int8 weights, and
    the model computes what the prepared model computed in eval mode. Returns the same
    model object, in eval mode.
    """
    # TODO: QATConfig(base, step="convert") with prepare_qat's base config; eval()
    raise NotImplementedError("TODO: convert_qat(model)")
