"""Mistake: after QAT, the fake quantizers removed and a different PTQ config applied.

Int8DynamicActivationInt8WeightConfig quantizes activations symmetrically, while training
simulated asymmetric ones: the deployed model is not the one that was trained.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "another scheme"
REJECTED_BY = "test_converted_model_computes_what_training_simulated"

solution = solution_for(__file__)


def convert_qat(model):
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_
    from torchao.quantization.qat import QATConfig

    quantize_(model, QATConfig(step="convert"))  # back to plain nn.Linear
    quantize_(model, Int8DynamicActivationInt8WeightConfig())
    return model.eval()
