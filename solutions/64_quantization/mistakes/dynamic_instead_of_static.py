"""Mistake: calibration skipped, and a dynamic int8 config used for "static" quantization.

Dynamic quantization takes each batch's own range at run time: there is no fixed scale,
so nothing measured in calibration is used and inputs beyond it do not saturate.
"""

import copy

CAUGHT_BY = "did not saturate"
REJECTED_BY = "test_inputs_beyond_the_calibrated_range_saturate"


def quantize_static_int8(model, calibration):
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, PerTensor, quantize_

    batches = list(calibration)
    if not batches:
        raise ValueError("no calibration batch")
    quantized = copy.deepcopy(model).eval()
    quantize_(quantized, Int8DynamicActivationInt8WeightConfig(granularity=PerTensor()))
    return quantized
