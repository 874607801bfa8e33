"""Mistake: QATConfig(step="prepare") applied to the caller's model itself.

quantize_ swaps the Linears in place: the caller's float model is changed into a
fake-quantized one, although the docstring promises a copy.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's model"
REJECTED_BY = "test_prepare_returns_a_copy_keeping_the_training_flag"

solution = solution_for(__file__)


def prepare_qat(model):
    from torchao.quantization import quantize_
    from torchao.quantization.qat import QATConfig

    quantize_(model, QATConfig(solution._qat_base_config(), step="prepare"))
    return model
