"""Mistake: calling torchao's quantize_ on the caller's model and returning it.

quantize_ works in place: the caller's float model is gone (its Linear weights are now
int8 tensor subclasses), although the docstring promises a copy.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's model"
REJECTED_BY = "test_dynamic_returns_an_eval_copy_and_leaves_the_caller_alone"

solution = solution_for(__file__)


def quantize_dynamic_int8(model):
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

    model.eval()
    quantize_(model, Int8DynamicActivationInt8WeightConfig())
    return model
