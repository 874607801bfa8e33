"""Mistake: convert_qat returns the converted model in whatever mode training left it.

The int8 model is for inference: left in train mode, its dropout and batch-norm layers
behave as in training.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "an int8 model is for inference"
REJECTED_BY = "test_convert_returns_the_model_in_eval_mode"

solution = solution_for(__file__)


def convert_qat(model):
    from torchao.quantization import quantize_
    from torchao.quantization.qat import QATConfig

    quantize_(model, QATConfig(solution._qat_base_config(), step="convert"))
    return model
