"""Mistake: zip(names, inputs) without checking the number of inputs.

zip stops at the shorter list: an extra tensor is dropped silently, and a missing one shows
up as onnxruntime's obscure error instead of a clear one.
"""

import torch

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_predict_raises_value_error_for_the_wrong_number_of_inputs"


def onnx_predict(path, *inputs):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    feed = {n: t.detach().cpu().numpy() for n, t in zip(names, inputs)}  # noqa: B905
    return [torch.from_numpy(o).to(inputs[0].device) for o in session.run(None, feed)]
