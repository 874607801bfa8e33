"""Mistake: the quantized copy returned without eval().

Dropout stays active: the deployed model answers the same input differently each time and
is further from the float model than int8 rounding explains.
"""

import copy

CAUGHT_BY = "eval mode"
REJECTED_BY = "test_dynamic_model_computes_int8_per_token_and_stays_close"


def quantize_dynamic_int8(model):
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

    quantized = copy.deepcopy(model)
    quantize_(quantized, Int8DynamicActivationInt8WeightConfig())
    return quantized
