"""Mistake: prepare_qat applies the int8 post-training config directly instead of QATConfig.

The weights become int8 tensors at once: there are no float weights left for training to
adapt, which is the point of quantization-aware training.
"""

import copy

from torchkatas.harness import solution_for

CAUGHT_BY = "float Parameters"
REJECTED_BY = "test_gradients_reach_the_float_weights_and_training_helps"

solution = solution_for(__file__)


def prepare_qat(model):
    from torchao.quantization import quantize_

    prepared = copy.deepcopy(model)
    quantize_(prepared, solution._qat_base_config())
    return prepared
