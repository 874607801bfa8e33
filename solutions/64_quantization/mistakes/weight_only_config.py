"""Mistake: Int8WeightOnlyConfig instead of the dynamic activation + weight config.

Only the weights are int8; activations stay float, so the matmul is not an int8 matmul and
the numbers differ from dynamic int8 quantization.
"""

import copy

CAUGHT_BY = "activations left in float"
REJECTED_BY = "test_dynamic_model_computes_int8_per_token_and_stays_close"


def quantize_dynamic_int8(model):
    from torchao.quantization import Int8WeightOnlyConfig, quantize_

    quantized = copy.deepcopy(model).eval()
    quantize_(quantized, Int8WeightOnlyConfig())
    return quantized
